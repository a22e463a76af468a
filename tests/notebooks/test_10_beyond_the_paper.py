"""Notebook 10 (several styles, total variation, the normalised network, textures), in quick mode."""

from __future__ import annotations

import pytest

from tests.notebooks.harness import run_notebook

pytestmark = pytest.mark.notebooks
NAME = "10_beyond_the_paper.ipynb"


@pytest.fixture(scope="module")
def nb():
    return run_notebook(NAME)


def test_every_section_ran_its_before_and_after(nb):
    for name in ("blend_runs", "norm_runs", "textures"):
        assert len(nb[name]) >= 3, name
    for name in ("tv_off", "tv_on", "large_texture"):
        run = nb[name]
        assert run["result"] and run["final"]["total"] < run["first"]["total"], name
    assert all(run["settings"]["normalize"] for run in nb["norm_runs"].values())


def test_each_blend_records_both_styles(nb):
    for losses in nb["blend_losses"].values():
        assert len(losses) == 2 and all(v > 0 for v in losses)


def test_total_variation_numbers_in_the_prose_are_the_runs(nb):
    cost = nb["tv_cost"]
    assert len(cost) == 2
    out = nb.output_text()
    for style, tv in cost:
        assert f"x{tv:.2f}" in out and f"x{style:.2f}" in out


def test_normalisation_evens_out_the_layers(nb):
    spread = nb["spread"]
    # measured: about 4e4 plain, 10 normalised
    assert spread["normalised"] < 1e-2 * spread["plain"]
    assert f"{spread['plain']:.3g}" in nb.output_text()


def test_the_large_texture_is_twice_the_source(nb):
    shape = nb["large_texture"]["shape"]
    source = nb["texture_source"]["tensor"]
    assert shape[-2:] == [2 * source[-2], 2 * source[-1]]


def test_the_exercises_first_attempts_are_caught(nb):
    out = nb.output_text()
    assert "✗ total_variation: you summed absolute differences" in out
    assert "✗ blended_gram_target: you did not normalise the weights" in out
