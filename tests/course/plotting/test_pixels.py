"""The plots of an image's pixels that notebooks 01-03 call: the bytes of a patch, the histograms."""

from __future__ import annotations

import pytest
import torch

import helpers
from helpers.core.vgg import CAFFE_MEAN_BGR

pytestmark = pytest.mark.usefixtures("_close_figures")


def test_pixel_patch_writes_each_byte():
    image = torch.full((1, 3, 10, 10), 0.5)
    fig = helpers.plotting.pixel_patch(image, 1, 1, side=4)
    assert [t.get_text() for t in fig.axes[0].texts] == ["128"] * 16


def test_histograms_mark_the_mean_pixel_and_each_convention():
    image = torch.rand(1, 3, 8, 8)
    fig = helpers.plotting.channel_histograms(image, CAFFE_MEAN_BGR)
    assert sorted(line.get_xdata()[0] for line in fig.axes[0].get_lines()) == sorted(CAFFE_MEAN_BGR)
    fig = helpers.plotting.input_histograms(
        {"caffe": image, "imagenet": image}, {"caffe": "BGR", "imagenet": "RGB"}
    )
    assert len(fig.axes) == 2 and "channel 0 (B)" in [
        t.get_text() for t in fig.axes[0].get_legend().get_texts()
    ]
