"""The plots of notebook 01's tour: quantised weights and run times, each with the panels it promises."""

from __future__ import annotations

import pytest
import torch

import helpers

pytestmark = pytest.mark.usefixtures("_close_figures")


def test_tour_plots():
    centroids = torch.linspace(-1, 1, 16)
    fig = helpers.plotting.quantised_weights(
        centroids[torch.randint(0, 16, (100,))], centroids, layer="conv4_2"
    )
    assert len(fig.axes) == 2 and "100 weights" in fig.axes[0].get_title()
    fig = helpers.plotting.run_times({128: 0.1, 256: 0.4}, aspect=0.75, steps=300)
    (line,) = fig.axes[0].get_lines()
    assert list(line.get_ydata()) == pytest.approx([0.5, 2.0])  # 300 steps, in minutes
