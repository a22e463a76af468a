"""The plots of notebook 06 draw what they are given: one panel per loss term, curves beside images."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from helpers import plotting
from helpers.core.result import Result


def _run(scale: float) -> Result:
    history = [
        {"step": i, "content": scale * 10.0 / i, "style": scale * 5.0 / i, "total": scale * 15.0 / i}
        for i in range(1, 6)
    ]
    return Result(image=torch.full((1, 3, 8, 10), 0.25 * scale), history=history, best_step=5)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_final_loss_bars_draws_one_log_panel_per_term_with_each_runs_final_value():
    runs = {"a": _run(1.0), "b": _run(2.0)}
    fig = plotting.final_loss_bars(runs)
    assert len(fig.axes) == 2
    for ax, key in zip(fig.axes, ("content", "style")):
        assert ax.get_yscale() == "log" and ax.get_ylabel() == f"final {key} loss"
        heights = [patch.get_height() for patch in ax.patches]
        assert heights == pytest.approx([run.final[key] for run in runs.values()])


def test_curves_and_images_puts_the_curves_first_and_dashes_later_runs():
    runs = {"unscaled": _run(1.0), "scaled": _run(2.0)}
    fig = plotting.curves_and_images(runs, key="style", dashed=True)
    curves, *images = fig.axes
    assert [line.get_label() for line in curves.get_lines()] == list(runs)
    assert [line.get_linestyle() for line in curves.get_lines()] == ["-", "--"]
    assert list(curves.get_lines()[1].get_ydata()) == pytest.approx(
        [h["style"] for h in runs["scaled"].history]
    )
    assert [ax.get_title() for ax in images] == list(runs)
    assert all(len(ax.images) == 1 for ax in images)


def test_bar_panels_passes_each_panel_to_plot_bars():
    fig = plotting.bar_panels(
        {"values": {"x": 1.0, "y": 3.0}, "ylabel": "left", "log": True},
        {"values": {"s1": {"x": 1.0}, "s2": {"x": 2.0}}, "ylabel": "right", "title": "grouped"},
    )
    left, right = fig.axes
    assert left.get_ylabel() == "left" and left.get_yscale() == "log"
    assert right.get_title() == "grouped" and len(right.patches) == 2
