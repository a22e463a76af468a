"""The plots of VGG19's layers that notebooks 01-03 call: geometry, receptive fields, pooling."""

from __future__ import annotations

import pytest
import torch

import helpers

pytestmark = pytest.mark.usefixtures("_close_figures")


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
