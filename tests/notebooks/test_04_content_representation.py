"""What notebook 04_content_representation computes (run once, in quick mode, by the harness)."""

from __future__ import annotations

import pytest

from helpers.course.figures import FIG1_CONTENT_LAYERS
from tests.notebooks.harness import run_notebook

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def nb04() -> dict:
    return run_notebook("04_content_representation.ipynb").snapshot


# --- 04: content representation ----------------------------------------------------------------


def test_04_inline_content_loss_and_eq2_agree_with_the_package(nb04):
    assert nb04["inline_matches_package"] is True
    # Eq. 2 read exactly: F - P at F everywhere, the case split at the ReLU's input Z
    assert nb04["grad_at_F_is_F_minus_P"] is True
    assert nb04["eq2_matches_autograd"] is True
    assert 0 < nb04["blocked"] < 36  # some entries have F = 0 < P: the split is not the gradient at F


def test_04_starts_from_faint_noise(nb04):
    noise = nb04["noise"]
    assert noise["tensor"] == [1, 3, *nb04["photo"]["tensor"][-2:]]
    assert set(nb04["pixel_grads"]) == {"conv1_1", "conv4_1"}


def test_04_every_reconstruction_drove_its_content_loss_down(nb04):
    runs = nb04["content_runs"]
    assert list(runs) == list(FIG1_CONTENT_LAYERS)
    for layer, run in runs.items():
        assert run["steps"] == nb04["STEPS"] and run["stopped"] is None
        assert run["settings"]["content_layers"] == [layer]
        assert run["final"]["content"] < run["first"]["content"] / 5, layer
    assert runs["conv1_1"]["final"]["content"] < runs["conv1_1"]["first"]["content"] / 100
    assert nb04["loss_drop"]["conv1_1"] > nb04["loss_drop"]["conv5_1"]
    assert nb04["reconstruction_seconds"] > 0


def test_04_deeper_reconstructions_lose_the_pixels(nb04):
    errors = nb04["errors"]
    assert set(errors) == {"pixels", "coarse", "detail", "layout"}
    for measure in ("pixels", "detail"):
        assert errors[measure]["conv1_1"] < errors[measure]["conv5_1"] / 2, measure
    assert errors["pixels"]["conv1_1"] < 0.05  # conv1_1 keeps almost the exact pixels
    assert errors["layout"]["conv1_1"] > 0.99 and errors["layout"]["conv5_1"] > 0.3  # the layout stays
