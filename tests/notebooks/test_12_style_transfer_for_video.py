"""Notebook 12 (style transfer for video, Ruder et al. 2016), in quick mode."""

from __future__ import annotations

import pytest

from tests.notebooks.harness import run_notebook

pytestmark = pytest.mark.notebooks
NAME = "12_style_transfer_for_video.ipynb"
METHODS = ["each frame on its own", "warped start only", "warped start + temporal loss"]


@pytest.fixture(scope="module")
def nb():
    pytest.importorskip("cv2", reason="the video extra (opencv-python-headless) is not installed")
    return run_notebook(NAME)


def test_the_flow_is_checked_against_the_known_camera_motion(nb):
    assert 0 <= nb["flow_error"] < 1  # px, at the median pixel
    assert nb["after"] < nb["before"]  # warping along the flow brings frame 1 onto frame 2
    out = nb.output_text()
    assert f"{nb['flow_error']:.2f} px" in out and f"{nb['after']:.3f}" in out


def test_three_methods_are_measured_and_the_prose_reports_the_ratios(nb):
    summary = nb["summary"]
    assert list(summary) == METHODS
    for row in summary.values():
        assert row["flicker"] >= 0 and row["style"] > 0 and row["seconds"] > 0
    # even in quick mode a warm start moves with the scene far better than a fresh start
    assert summary[METHODS[2]]["flicker"] < summary[METHODS[0]]["flicker"]
    out = nb.output_text()
    assert f"{nb['flicker_ratio']:.1f}×" in out and f"{nb['style_ratio']:.2f}×" in out


def test_the_clip_is_shown_playing(nb):
    outputs = [o for cell in nb.notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert any("image/gif" in o.get("data", {}) for o in outputs)


def test_the_consistency_tests_are_shown_apart_and_fire_on_the_fast_pan(nb):
    slow, fast = nb["shares"]["our clip (pan 0.12)"], nb["shares"]["fast pan (pan 0.5)"]
    assert slow["outside"] > 0  # the pan brings new ground into view
    assert fast["disoccluded"] > slow["disoccluded"] and fast["c = 1"] < slow["c = 1"]  # DIS loses track
    assert nb["with_c"] <= nb["without_c"]  # the weights only ever drop terms


def test_flicker_is_measured_with_the_true_motion(nb):
    assert nb["input_flicker"] >= 0 and f"{nb['input_flicker']:.5f}" in nb.output_text()
