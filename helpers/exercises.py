"""Checks for the notebooks' exercises: ``check_…(your_function)`` tests a learner's answer
against the package's tested version and says, in words, what is wrong.

Each check returns ``True`` when the answer is right and prints one line either way, so it can
end a notebook cell. It never raises on a wrong answer (a learner's exception is reported too).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .vgg import CAFFE_MEAN_BGR, IMAGENET_MEAN, IMAGENET_STD, LAYERS, layer_table


class Feedback:
    """Collects the first thing that is wrong with an answer."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problem: str | None = None

    def fail(self, message: str) -> bool:
        if self.problem is None:
            self.problem = message
        return False

    def report(self) -> bool:
        if self.problem is None:
            print(f"✓ {self.name}: correct")
            return True
        print(f"✗ {self.name}: {self.problem}")
        return False


def _call(feedback: Feedback, fn: Callable, *args) -> object:
    try:
        return fn(*args)
    except Exception as exc:  # the learner's code raised: say what, not a traceback
        feedback.fail(f"your function raised {type(exc).__name__}: {exc}")
        return None


def _compare(feedback: Feedback, got: object, expected: torch.Tensor, what: str, rtol: float = 1e-4) -> bool:
    """Shape, then values; the message says which differs and by how much."""
    if got is None:
        return False
    if not isinstance(got, torch.Tensor):
        return feedback.fail(f"{what} should be a torch.Tensor, got {type(got).__name__}")
    if got.shape != expected.shape:
        return feedback.fail(f"{what} has shape {list(got.shape)}, expected {list(expected.shape)}")
    if not torch.allclose(got.double(), expected.double(), rtol=rtol, atol=1e-6):
        ratio = (got.double().abs().sum() / expected.double().abs().sum().clamp_min(1e-30)).item()
        return feedback.fail(
            f"{what} has the right shape but wrong values (sum ratio {ratio:.4g} to the expected)"
        )
    return True


def _first_match(feedback: Feedback, got: object, candidates: dict[str, torch.Tensor]) -> bool:
    """Fail with the message of the first typical mistake that ``got`` reproduces exactly."""
    if not isinstance(got, torch.Tensor):
        return False
    for message, candidate in candidates.items():
        if got.shape == candidate.shape and torch.allclose(
            got.detach().double(), candidate.double(), rtol=1e-4, atol=1e-3
        ):
            return feedback.fail(message)
    return False


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


def check_receptive_field(fn: Callable[[str], int]) -> bool:
    r"""Check ``fn(layer_name)`` -> the receptive field, in input pixels, of a unit of that layer.

    The reference is :func:`helpers.vgg.layer_table`, with the recursion

    .. math:: r_l = r_{l-1} + (k_l - 1)\, j_{l-1}, \qquad j_l = j_{l-1}\, s_l, \qquad r_0 = j_0 = 1

    (3x3 convolutions with stride 1, 2x2 poolings with stride 2). Names the usual mistakes: the
    stride never doubling, pooling adding nothing, the stride doubled too early, off by one.
    """
    feedback = Feedback("check_receptive_field")
    expected = {row.name: row.receptive_field for row in layer_table(224)}
    answers: dict[str, float] = {}
    for name in LAYERS:
        value = _call(feedback, fn, name)
        if feedback.problem is not None:
            return feedback.report()
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            feedback.fail(f"for {name!r} you returned {value!r}: return the receptive field in px, a number")
            return feedback.report()
        answers[name] = float(value)
    if answers == expected:
        return feedback.report()

    def recursion(pool_adds: bool, early_stride: bool) -> dict[str, int]:
        out, field, jump = {}, 1, 1
        for name in LAYERS:
            kernel, stride = (3, 1) if name.startswith("conv") else (2, 2)
            step = jump * stride if early_stride else jump
            if name.startswith("conv") or pool_adds:
                field += (kernel - 1) * step
            jump *= stride
            out[name] = field
        return out

    constant = {}
    field = 1
    for name in LAYERS:
        field += 2 if name.startswith("conv") else 1
        constant[name] = field
    mistakes = {
        "your fields grow by the same number of pixels at every depth: after each pooling, one step "
        "between neighbouring units spans twice as many input pixels (j doubles), so a 3x3 "
        "convolution in block b adds 2 * 2**(b-1) pixels": constant,
        "pooling layers widen the field too: a 2x2 window adds one step j_(l-1) before it doubles "
        "j": recursion(pool_adds=False, early_stride=False),
        "you doubled the stride before growing the field: a layer's kernel steps over the spacing "
        "of its input, j_(l-1), so update r first and j after": recursion(pool_adds=True, early_stride=True),
        "off by one everywhere: start from r_0 = 1 (a pixel sees itself), so conv1_1 sees 3 x 3 pixels": {
            k: v + 1 for k, v in expected.items()
        },
        "off by one everywhere (one too few): start from r_0 = 1, so conv1_1 sees 3 x 3 pixels": {
            k: v - 1 for k, v in expected.items()
        },
    }
    for message, values in mistakes.items():
        if answers == values:
            return feedback.fail(message) or feedback.report()
    wrong = [name for name in LAYERS if answers[name] != expected[name]]
    first = wrong[0]
    direction = "too small" if answers[first] < expected[first] else "too large"
    kinds = {"pooling" if name.startswith("pool") else "convolution" for name in wrong}
    which = f" (all of them {kinds.pop()} layers)" if len(kinds) == 1 else ""
    feedback.fail(
        f"{len(wrong)} of 21 layers are wrong{which}; the first is {first}, where your "
        f"{answers[first]:g} px is {direction}"
    )
    return feedback.report()
