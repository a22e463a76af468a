"""The figures' layout on fake results (no network): labels, grids, insets and frame strips."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

from helpers import figures
from helpers.base.errors import SettingsError
from tests.course.figures.conftest import fake


def test_labels():
    assert figures.ratio_label(1e-3) == "α/β = 1e-3"
    assert [figures.ratio_label(r) for r in figures.FIG3_RATIOS][0] == "α/β = 1e-5"
    assert figures.layer_set_label(["conv1_1"]) == "conv1_1"
    assert figures.layer_set_label(figures.GROWING_STYLE_SETS[2]) == "conv1_1 … conv3_1"


def test_tradeoff_grid_is_labelled_rows_by_columns():
    results = {
        (figures.layer_set_label(layers), ratio): fake(seed=i)
        for i, (layers, ratio) in enumerate(
            (layers, ratio) for layers in figures.GROWING_STYLE_SETS for ratio in figures.FIG3_RATIOS
        )
    }
    labels = figures.grid_labels(figures.plot_tradeoffs(results, title="Fig. 3"))
    assert labels["panels"] == 20
    assert labels["row_labels"] == [figures.layer_set_label(s) for s in figures.GROWING_STYLE_SETS]
    assert labels["titles"][:4] == ["α/β = 1e-5", "α/β = 1e-4", "α/β = 1e-3", "α/β = 1e-2"]
    assert labels["suptitle"] == "Fig. 3"


def test_initialisation_row_names_each_start():
    results = {"content": fake(), "style": fake(), **{f"noise {s}": fake(seed=s) for s in range(4)}}
    labels = figures.grid_labels(figures.plot_initialisation(results))
    assert labels["panels"] == 6
    assert labels["titles"] == [
        "A: from the content",
        "B: from the style",
        *[f"C: faint noise, seed {s}" for s in range(4)],
    ]


def test_inset_keeps_the_paintings_aspect():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.imshow(np.zeros((36, 48, 3)))
    portrait = torch.rand(1, 3, 80, 60)
    inset = figures.add_inset(ax, portrait, height=0.4, label="inset scream")
    fig.canvas.draw()
    box = inset.get_window_extent()
    assert inset.get_label() == "inset scream" and inset in ax.child_axes
    assert box.width / box.height == pytest.approx(60 / 80, rel=0.05)
    assert box.height / ax.get_window_extent().height == pytest.approx(0.4, rel=0.02)
    plt.close(fig)


def test_frames_records_every_n_steps_and_plots_a_strip():
    frames = figures.Frames(every=3)
    for step in range(1, 11):
        frames(step, torch.full((1, 3, 36, 48), step / 10), {"total": 1.0 / step})
    assert frames.steps == [1, 3, 6, 9]
    assert frames.images[-1].mean().item() == pytest.approx(0.9)
    labels = figures.grid_labels(frames.plot(most=3))
    assert labels["titles"] == ["step 1", "step 6", "step 9"]
    with pytest.raises(SettingsError):
        figures.Frames(every=0)
    with pytest.raises(SettingsError, match="no frames"):
        figures.Frames().plot()
