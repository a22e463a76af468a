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
