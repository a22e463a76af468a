"""Notebook 02: preparing an image the way the Caffe network expects it."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...core.vgg import CAFFE_MEAN_BGR, IMAGENET_MEAN, IMAGENET_STD
from .feedback import Feedback, _call, _compare, _first_match


def check_caffe_preprocess(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(image)``: an RGB batch [B, 3, H, W] in [0, 1] -> the input Caffe's VGG19 expects.

    Caffe's VGG19 was trained on **BGR** pixels in **0-255** minus the training set's **mean
    pixel** :math:`\mu = (103.939, 116.779, 123.68)` in B, G, R order:

    .. math:: x_{in}[c] = 255\, x[2 - c] - \mu_c .

    Reproduces and names the usual mistakes: channels not swapped, values left in 0-1, the mean
    subtracted in RGB order or not at all, the image's own mean instead of the fixed one, the
    wrong axis reversed, torchvision's convention, and changing the input in place.
    """
    feedback = Feedback("check_caffe_preprocess")
    image = torch.rand(2, 3, 6, 9, generator=torch.Generator().manual_seed(0))
    original = image.clone()
    got = _call(feedback, fn, image)
    if got is not None and not torch.equal(image, original):
        feedback.fail(
            "your function changed its input image in place: work on a copy (image.clone(), "
            "or operations such as image.flip(1) * 255 that return new tensors)"
        )
    mean_bgr = torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)
    mean_rgb = mean_bgr.flip(1)
    bgr = original.flip(1)
    imagenet = (original - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(
        1, 3, 1, 1
    )
    swap = "reverse the channel axis (image.flip(1) or image[:, [2, 1, 0]])"
    _first_match(
        feedback,
        got,
        {
            f"the channels are still in RGB order: Caffe's VGG19 was trained on BGR images, so {swap}": (
                original * 255 - mean_rgb
            ),
            f"the channels are still in RGB order (and the B, G, R means went to R, G, B): {swap} "
            "before subtracting the mean": original * 255 - mean_bgr,
            "your values are on the 0-1 scale: Caffe's VGG19 expects 0-255 pixel values, so "
            "multiply by 255 before subtracting the mean pixel": bgr - mean_bgr,
            "your answer is the right one divided by 255: the network wants 0-255 values, so "
            "multiply by 255 and subtract the mean in 0-255 units": bgr - mean_bgr / 255,
            "you subtracted the mean in RGB order (123.68, 116.779, 103.939): after the swap channel 0 "
            "is blue, so subtract (103.939, 116.779, 123.68)": bgr * 255 - mean_rgb,
            "you did not subtract the mean pixel (103.939, 116.779, 123.68) in B, G, R order": bgr * 255,
            "you subtracted this image's own mean colour: Caffe subtracts one fixed mean pixel of its "
            "training set, (103.939, 116.779, 123.68) in B, G, R order, from every image": (
                bgr * 255 - (bgr * 255).mean(dim=(2, 3), keepdim=True)
            ),
            "you reversed the width axis, not the channels: in a [B, 3, H, W] batch the channels "
            "are dim 1": original.flip(3) * 255 - mean_bgr,
            "you reversed the height axis, not the channels: in a [B, 3, H, W] batch the channels "
            "are dim 1": original.flip(2) * 255 - mean_bgr,
            "you returned the image unchanged: reverse the channels to BGR, multiply by 255 and "
            "subtract the mean pixel (103.939, 116.779, 123.68)": original,
            "that is torchvision's convention (RGB, 0-1, ImageNet mean and std): Caffe's weights "
            "need BGR, 0-255, minus the mean pixel": imagenet,
        },
    )
    expected = bgr * 255 - mean_bgr
    if (
        feedback.problem is None
        and isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and not torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-3)
    ):
        # No typical mistake matched: say how far each channel is off on average.
        def means(x: torch.Tensor) -> str:
            return ", ".join(f"{v:.1f}" for v in x.detach().double().mean(dim=(0, 2, 3)).tolist())

        feedback.fail(
            f"wrong values: your channel means are ({means(got)}), the right ones ({means(expected)}); "
            "check the order (BGR), the scale (0-255) and the mean pixel (103.939, 116.779, 123.68)"
        )
    _compare(feedback, got, expected, "the preprocessed batch", rtol=1e-4)
    return feedback.report()


def check_caffe_inverse(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(x_in)``: Caffe VGG19's input [B, 3, H, W] -> back to the RGB image in [0, 1].

    The inverse of :func:`check_caffe_preprocess`'s map: add the mean pixel back in B, G, R order,
    divide by 255, and reverse the channels to R, G, B,

    .. math:: x[c] = (x_{in}[2 - c] + \mu_{2 - c}) / 255 ,

    with **no clamping**: the probe's inputs come from an image that reaches a little outside
    [0, 1] (as an optimiser's image does), and the inverse must give it back exactly. Names the
    usual mistakes: clamping, channels left in BGR, the mean added in the wrong order, subtracted
    again or not at all, 255 applied the wrong way or before the mean, changing the input in place.
    """
    feedback = Feedback("check_caffe_inverse")
    generator = torch.Generator().manual_seed(1)
    image = torch.rand(2, 3, 5, 7, generator=generator) * 1.2 - 0.1  # a little outside [0, 1]
    mean_bgr = torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)
    x_in = image.flip(1) * 255 - mean_bgr
    original = x_in.clone()
    got = _call(feedback, fn, x_in)
    if got is not None and not torch.equal(x_in, original):
        feedback.fail(
            "your function changed its input in place: work on a copy (x_in.clone(), or operations "
            "such as (x_in + mean) / 255 that return new tensors)"
        )
    x = original
    _first_match(
        feedback,
        got,
        {
            "you clamped to [0, 1]: the inverse should undo the preprocessing exactly. An optimiser's "
            "image can step outside [0, 1], and a clamp would hide that; helpers clamps only when it "
            "shows or saves a picture": image.clamp(0, 1),
            "the channels are still in BGR order: reverse them (x.flip(1)) to get R, G, B back": (
                (x + mean_bgr) / 255
            ),
            "you added the mean after turning the channels back to RGB, so blue's mean went to red: add "
            "the B, G, R mean pixel while the channels are still BGR (or add it flipped)": (
                (x.flip(1) + mean_bgr) / 255
            ),
            "your values are on the 0-255 scale: divide by 255 after adding the mean": (
                x.flip(1) + mean_bgr.flip(1)
            ),
            "you divided by 255 before adding the mean: the mean pixel is in 0-255 units, so add it first, "
            "then divide": (x / 255 + mean_bgr).flip(1),
            "you subtracted the mean pixel again: the preprocessing subtracted it, so the inverse adds "
            "it back": ((x - mean_bgr) / 255).flip(1),
            "you did not add the mean pixel (103.939, 116.779, 123.68) back, in B, G, R order": (
                x.flip(1) / 255
            ),
            "you multiplied by 255: the preprocessing multiplied, so the inverse divides": (
                (x + mean_bgr) * 255
            ).flip(1),
            "you returned the input unchanged: add the mean pixel, divide by 255 and reverse the channels": x,
        },
    )
    _compare(feedback, got, image, "the recovered image", rtol=1e-4)
    return feedback.report()
