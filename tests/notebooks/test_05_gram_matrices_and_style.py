"""What notebook 05_gram_matrices_and_style computes (run once, in quick mode, by the harness)."""

from __future__ import annotations

import pytest

from helpers.course.figures import FIG1_CONTENT_LAYERS, GROWING_STYLE_SETS, layer_set_label
from tests.notebooks.harness import run_notebook

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def nb05() -> dict:
    return run_notebook("05_gram_matrices_and_style.ipynb").snapshot


# --- 05: Gram matrices and style ---------------------------------------------------------------


def test_05_gram_by_hand_and_inline_style_loss_agree_with_the_package(nb05):
    assert nb05["hand_gram_matches_package"] is True
    assert nb05["inline_style_matches_package"] is True


def test_05_shuffled_positions_give_the_same_gram_matrix(nb05):
    assert nb05["shuffled_gram_equal"] is True
    assert nb05["shuffled_gram_rel_diff"] < 1e-5


def test_05_shuffled_tiles_keep_the_gram_matrices_closer_than_another_painting(nb05):
    tiles, other = nb05["tile_gram_difference"], nb05["other_gram_difference"]
    for layer in ("conv1_1", "conv2_1", "conv3_1"):
        assert tiles[layer] < other[layer] / 2, layer
    totals = nb05["style_totals"]
    assert totals["tiles shuffled"] < min(totals["The Scream"], totals["white noise"]) / 3


def test_05_textures_from_growing_layer_sets(nb05):
    runs = nb05["style_runs"]
    assert list(runs) == [layer_set_label(s) for s in GROWING_STYLE_SETS]
    for label, run in runs.items():
        assert run["settings"]["content"] is None and run["settings"]["style_layers"][0] == "conv1_1"
        assert run["final"]["style"] < run["first"]["style"], label
    assert list(nb05["content_small"]) == list(FIG1_CONTENT_LAYERS)
