"""What notebook 06_losses_and_optimisation computes (run once, in quick mode, by the harness)."""

from __future__ import annotations

import pytest

from tests.notebooks.harness import run_notebook

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def nb06() -> dict:
    return run_notebook("06_losses_and_optimisation.ipynb").snapshot


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
