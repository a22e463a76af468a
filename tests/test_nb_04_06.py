"""What notebooks 04-06 compute (executed in quick mode): the losses, Fig. 1, and the optimisation studies."""

from __future__ import annotations

import pytest

from helpers.figures import FIG1_CONTENT_LAYERS, GROWING_STYLE_SETS, layer_set_label
from tests.notebook_harness import run_notebook

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def nb04() -> dict:
    return run_notebook("04_content_representation.ipynb").snapshot


@pytest.fixture(scope="module")
def nb05() -> dict:
    return run_notebook("05_gram_matrices_and_style.ipynb").snapshot


@pytest.fixture(scope="module")
def nb06() -> dict:
    return run_notebook("06_losses_and_optimisation.ipynb").snapshot


# --- 04: content representation ----------------------------------------------------------------


def test_04_inline_content_loss_and_eq2_agree_with_the_package(nb04):
    assert nb04["inline_matches_package"] is True
    assert nb04["eq2_matches_autograd"] is True


def test_04_every_reconstruction_drove_its_content_loss_down(nb04):
    runs = nb04["content_runs"]
    assert list(runs) == list(FIG1_CONTENT_LAYERS)
    for layer, run in runs.items():
        assert run["steps"] == nb04["STEPS"] and run["stopped"] is None
        assert run["settings"]["content_layers"] == [layer]
        assert run["final"]["content"] < run["first"]["content"] / 5, layer
    assert runs["conv1_1"]["final"]["content"] < runs["conv1_1"]["first"]["content"] / 100
    assert nb04["loss_drop"]["conv1_1"] > nb04["loss_drop"]["conv5_1"]


def test_04_deeper_reconstructions_lose_the_pixels(nb04):
    errors = nb04["errors"]
    assert set(errors) == {"pixels", "coarse", "detail", "layout"}
    for measure in ("pixels", "detail"):
        assert errors[measure]["conv1_1"] < errors[measure]["conv5_1"] / 2, measure
    assert errors["pixels"]["conv1_1"] < 0.05  # conv1_1 keeps almost the exact pixels
    assert errors["layout"]["conv1_1"] > 0.99 and errors["layout"]["conv5_1"] > 0.3  # the layout stays


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


# --- 06: losses and optimisation ---------------------------------------------------------------


def test_06_larger_ratio_keeps_more_content(nb06):
    runs = list(nb06["ratio_runs"].values())
    ratios = [run["settings"]["ratio"] for run in runs]
    assert ratios == sorted(ratios) and len(runs) == 3
    assert runs[-1]["final"]["content"] < runs[0]["final"]["content"]


def test_06_scaling_alpha_and_beta_together_barely_changes_the_path(nb06):
    runs = nb06["scale_runs"]
    unscaled, scaled = runs["1.0"], runs["0.001"]
    assert scaled["settings"]["alpha"] / scaled["settings"]["beta"] == pytest.approx(nb06["RATIO"])
    assert scaled["settings"]["beta"] == pytest.approx(1e-3) and unscaled["settings"]["beta"] == 1.0
    assert scaled["first"]["total"] == pytest.approx(1e-3 * unscaled["first"]["total"], rel=1e-4)
    assert scaled["final"]["total"] == pytest.approx(1e-3 * unscaled["final"]["total"], rel=0.05)
    assert nb06["scale_image_difference"] < 0.02
    assert nb06["scale_style_gap"] < 0.05


def test_06_content_loss_grows_with_size_and_the_layers_are_unbalanced(nb06):
    assert nb06["content_growth"] > 2.5 and 0.5 < nb06["style_growth"] < 2
    assert nb06["RATIO"] == pytest.approx(1e-3 * (256 / nb06["SIZE"]) ** 2)
    assert len(nb06["mean_response"]) == 6
    assert nb06["spread"] > 100


def test_06_emphasising_a_layer_lowers_its_style_loss(nb06):
    losses = nb06["weight_layer_losses"]
    paper = losses["w_l = 1/5 (paper)"]
    assert losses["conv1_1 emphasised"]["conv1_1"] < paper["conv1_1"]
    assert losses["conv5_1 emphasised"]["conv5_1"] < paper["conv5_1"]


def test_06_adam_and_lbfgs_had_the_same_budget(nb06):
    evaluations = list(nb06["evaluations"].values())
    assert len(evaluations) == 2 and evaluations[0] == evaluations[1] == nb06["STEPS"]
    for run in nb06["optimiser_runs"].values():
        assert run["final"]["total"] < run["first"]["total"]


def test_06_initialisations_from_content_style_and_noise_seeds(nb06):
    runs = nb06["init_runs"]
    assert set(runs) == {"content", "style", "noise 0", "noise 1", "noise 2"}
    assert [runs[k]["settings"]["init"] for k in ("content", "style", "noise 1")] == [
        "content",
        "style",
        "noise",
    ]
    assert [runs[f"noise {s}"]["settings"]["seed"] for s in range(3)] == [0, 1, 2]
    assert all(d > 0.005 for d in nb06["noise_differences"].values())  # new noise, a new picture
    to_photo, to_painting = nb06["init_distances"]["to the photo"], nb06["init_distances"]["to the painting"]
    assert to_photo["content"] < min(to_photo["noise 0"], to_photo["style"])  # an image start biases ...
    assert to_painting["style"] < min(to_painting["noise 0"], to_painting["content"])  # ... towards itself
