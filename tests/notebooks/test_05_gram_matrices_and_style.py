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
    assert nb05["G_01"] == 8 and nb05["both"] == 4
    assert nb05["upside_down_same_gram"] is True


def test_05_the_normalised_gram_entry_is_an_uncentred_cosine_not_a_correlation(nb05):
    cosine, correlation = nb05["pair_cosine"], nb05["pair_correlation"]
    assert 0 <= cosine["apart"] < cosine["together"] <= 1 + 1e-6
    assert -1 <= correlation["apart"] < correlation["together"] <= 1
    # non-negative responses: the uncentred cosine sits well above the centred correlation
    assert nb05["mean_cosine"] > nb05["mean_correlation"] + 0.1


def test_05_gram_matrices_grow_with_the_number_of_positions(nb05):
    for layer, (m, m_big) in nb05["positions"].items():
        assert 3.5 < m_big / m < 4.7, layer
    assert 3.0 < nb05["gram_growth"]["conv1_1"] < 5.0  # a sum over ~4x the positions
    assert nb05["mean_gram_change"]["conv1_1"] < 0.5  # the average over positions changes far less
    raw, rescaled = nb05["size_losses"]["A as it is"], nb05["size_losses"]["A · M_l / M_style"]
    for layer in raw:
        assert rescaled[layer] < raw[layer] / 3, layer
    assert nb05["size_totals"]["A · M_l / M_style"] < nb05["size_totals"]["A as it is"] / 10


def test_05_shuffled_positions_give_the_same_gram_matrix(nb05):
    assert nb05["shuffled_gram_equal"] is True
    assert nb05["shuffled_gram_rel_diff"] < 1e-5


def test_05_shuffled_tiles_keep_the_gram_matrices_closer_than_another_painting(nb05):
    tiles, other = nb05["tile_gram_difference"], nb05["other_gram_difference"]
    for layer in ("conv1_1", "conv2_1", "conv3_1"):
        assert tiles[layer] < other[layer] / 2, layer
    totals = nb05["style_totals"]
    assert totals["tiles shuffled"] < min(totals["The Scream"], totals["faint noise"]) / 3


def test_05_textures_from_growing_layer_sets(nb05):
    runs = nb05["style_runs"]
    assert list(runs) == [layer_set_label(s) for s in GROWING_STYLE_SETS]
    for label, run in runs.items():
        assert run["settings"]["content"] is None and run["settings"]["style_layers"][0] == "conv1_1"
        assert run["final"]["style"] < run["first"]["style"], label
    assert list(nb05["content_small"]) == list(FIG1_CONTENT_LAYERS)
    assert list(nb05["texture_change"]) == list(runs)[1:]
    assert nb05["texture_seconds"] > 0
