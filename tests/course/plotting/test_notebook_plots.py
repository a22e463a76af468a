"""The plots that notebooks 01-03 call: each returns its figure, with the panels and labels it promises."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

import helpers
from helpers.core.vgg import CAFFE_MEAN_BGR


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_layer_geometry_puts_each_quantity_on_its_own_axis():
    fig = helpers.plotting.layer_geometry(helpers.layer_table((48, 64)), title="t")
    titles = [ax.get_title() for ax in fig.axes]
    assert len(fig.axes) == 3 and "filters" in titles[0] and "positions" in titles[1] and "px" in titles[2]
    for ax, unit in zip(fig.axes, ["channels", "positions", "receptive_field"]):
        (line,) = ax.get_lines()
        assert list(line.get_ydata()) == [getattr(r, unit) for r in helpers.layer_table((48, 64))]


def test_receptive_field_squares_draws_one_square_per_layer():
    image = torch.rand(1, 3, 48, 64)
    fig = helpers.plotting.receptive_field_squares(image, {"conv1_1": 3, "conv2_1": 10})
    (ax,) = fig.axes
    assert [p.get_width() for p in ax.patches] == [3, 10]


def test_unit_gradient_support_marks_the_predicted_square():
    fig = helpers.plotting.unit_gradient_support(torch.rand(32, 32), (16.0, 16.0), 10, layer="conv2_1")
    assert len(fig.axes) == 2 and fig.axes[1].patches[0].get_width() == 10
    assert "conv2_1" in fig.axes[0].get_title()


def test_pooling_crops_and_gradient_reach():
    crops = {"a": torch.rand(8, 8), "max": torch.rand(4, 4), "avg": torch.rand(4, 4)}
    assert len(helpers.plotting.pooling_crops(crops).axes) == 3
    reach = {"avg": {"conv1_2": 1.0, "conv2_2": 1.0}, "max": {"conv1_2": 0.25, "conv2_2": 0.25}}
    fig = helpers.plotting.gradient_reach(
        reach, {"avg": torch.ones(20, 20), "max": torch.zeros(20, 20)}, label="m"
    )
    assert len(fig.axes) == 3 and [b.get_height() for b in fig.axes[0].patches] == [1.0, 1.0, 0.25, 0.25]


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


def test_tour_plots():
    centroids = torch.linspace(-1, 1, 16)
    fig = helpers.plotting.quantised_weights(
        centroids[torch.randint(0, 16, (100,))], centroids, layer="conv4_2"
    )
    assert len(fig.axes) == 2 and "100 weights" in fig.axes[0].get_title()
    fig = helpers.plotting.run_times({128: 0.1, 256: 0.4}, aspect=0.75, steps=300)
    (line,) = fig.axes[0].get_lines()
    assert list(line.get_ydata()) == pytest.approx([0.5, 2.0])  # 300 steps, in minutes
