"""Notebook 08 (trade-offs): the Fig. 3 grid of layer sets against alpha/beta, and the panel's preview."""

from __future__ import annotations

import math

import pytest

from helpers.course.figures import FIG3_RATIOS, GROWING_STYLE_SETS, layer_set_label
from tests.notebooks.harness import run_notebook

pytestmark = pytest.mark.notebooks
NAME = "08_tradeoffs.ipynb"


def test_the_grid_has_every_layer_set_and_ratio_corrected_for_its_size():
    executed = run_notebook(NAME)
    runs, size = executed["runs"], executed["RUN"]["size"]
    assert executed["SIZE_FACTOR"] == pytest.approx((256 / size) ** 2)
    assert len(runs) == len(GROWING_STYLE_SETS) * len(FIG3_RATIOS) == 20
    for layers in GROWING_STYLE_SETS:
        for ratio in FIG3_RATIOS:
            run = runs[str((layer_set_label(layers), ratio))]  # keyed by the paper's ratio ...
            assert run["settings"]["style_layers"] == list(layers)
            assert run["settings"]["ratio"] == pytest.approx(ratio * (256 / size) ** 2)  # ... run corrected
            assert run["settings"]["size"] == size
            assert run["settings"]["style"] == ["composition_vii"] and run["settings"]["init"] == "noise"
            assert run["steps"] == run["settings"]["steps"] and run["stopped"] is None
            assert math.isfinite(run["final"]["total"]) and run["final"]["total"] <= run["first"]["total"]


def test_the_losses_plotted_are_those_of_the_bottom_row():
    snapshot = run_notebook(NAME).snapshot
    runs, final = snapshot["runs"], snapshot["final_losses"]
    assert [float(k) for k in final] == pytest.approx(list(FIG3_RATIOS))
    bottom = layer_set_label(GROWING_STYLE_SETS[-1])
    for ratio in FIG3_RATIOS:
        assert final[str(ratio)] == runs[str((bottom, ratio))]["final"]


def test_the_scripted_preview_ran_with_the_papers_ratio_and_lowered_the_loss():
    executed = run_notebook(NAME)
    preview = executed["preview"]
    assert preview["settings"]["ratio"] == pytest.approx(1e-4) and preview["settings"]["mode"] == "preview"
    assert preview["settings"]["size"] == 64 and preview["steps"] == 4  # quick mode's preview
    assert preview["final"]["total"] < preview["first"]["total"]
    timing = executed["timing"]
    assert timing["mode"] == "preview" and timing["steps_run"] == 4 and not timing["superseded"]
    assert 0 < timing["to_first_image_s"] <= timing["to_finished_s"]


def test_the_grid_reports_its_seconds():
    executed = run_notebook(NAME)
    # each run's seconds run to its last step; its best ("final") step can come no later
    assert executed["grid_seconds"] >= sum(r["final"]["seconds"] for r in executed["runs"].values()) > 0
