"""The normalised network: the same function, each filter's response divided by its mean."""

from __future__ import annotations

import pytest
import torch

import helpers
from helpers.core.normalize import (
    filter_means,
    filter_scales,
    normalized_convs,
    scales_file,
    scales_from_means,
)
from helpers.core.vgg import CONV_LAYERS, LAYERS, VGG19, _random_convs


def _previous_conv(name: str) -> str:
    """The conv layer whose scale a layer's response carries (a pooling layer: the one before it)."""
    return [n for n in LAYERS[: LAYERS.index(name) + 1] if n.startswith("conv")][-1]


@pytest.mark.parametrize("pooling", ["avg", "max"])
def test_each_response_is_the_originals_divided_by_its_filters_scale(content64, pooling):
    plain = helpers.vgg19("caffe", pooling, "cpu")
    normed = helpers.vgg19("caffe", pooling, "cpu", normalize=True)
    assert normed is helpers.vgg19("caffe", pooling, "cpu", normalize=True) and normed is not plain
    scales = filter_scales("caffe", pooling)
    a, b = plain(content64), normed(content64)
    for name in LAYERS:
        s = scales[_previous_conv(name)].view(1, -1, 1, 1)
        assert torch.allclose(b[name] * s, a[name], rtol=1e-3, atol=1e-3 * a[name].abs().max()), name
    # and the scales are far from one, so the check above is not trivially true
    assert scales["conv3_4"].median() > 50 and scales["conv5_4"].median() < 1


def test_normalised_filters_have_mean_activation_one_on_the_calibration_images(content64, style64):
    # float64: a filter that fires rarely has a mean made of a few tiny values, which float32
    # rounding alone would move by more than the tolerance
    images = [x.double() for x in (content64, style64, content64.flip(-1))]
    plain = VGG19(_random_convs(), convention="imagenet").double()
    scales = scales_from_means(filter_means(plain, images))
    normed = VGG19(normalized_convs(_random_convs(), scales), convention="imagenet").double()
    means = filter_means(normed, images)
    for name in CONV_LAYERS:
        fired = scales[name] != 1  # filters that never fired keep scale 1 (and mean 0)
        assert fired.float().mean() > 0.5
        assert torch.allclose(means[name][fired], torch.ones(int(fired.sum())), rtol=1e-3), name


def test_the_committed_caffe_scales_cover_every_filter():
    assert scales_file("caffe").is_file() and scales_file("caffe").stat().st_size < 100_000
    for pooling in ("avg", "max"):
        scales = filter_scales("caffe", pooling)
        assert list(scales) == list(CONV_LAYERS)
        for name, s in scales.items():
            assert s.shape == (helpers.vgg.CHANNELS[name],) and bool((s > 0).all())
    # the first two layers come before any pooling: the same for both
    assert torch.equal(filter_scales("caffe", "avg")["conv1_2"], filter_scales("caffe", "max")["conv1_2"])


def test_stylize_with_the_normalised_network(content64, style64):
    plain = helpers.stylize(content64, style64, size=64, steps=2, progress=False, device="cpu")
    normed = helpers.stylize(
        content64, style64, size=64, steps=2, progress=False, device="cpu", normalize=True
    )
    assert normed.settings["normalize"] is True
    # the same image, seen by a network whose responses are divided by scales of 1 to 1000:
    # the losses change by orders of magnitude
    assert normed.history[0]["content"] < 1e-2 * plain.history[0]["content"]
