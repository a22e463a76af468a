"""Notebook 09 (beyond the paper): what it computed, from its quick-mode run."""

from __future__ import annotations

import pytest

from tests.notebooks.harness import run_notebook

NAME = "09_beyond_the_paper.ipynb"


@pytest.fixture(scope="module")
def nb():
    return run_notebook(NAME)


@pytest.mark.notebooks
def test_luminance_transfer_keeps_the_photos_colour(nb):
    chroma = nb["chroma"]
    assert chroma["luminance"] > 0.9
    assert chroma["luminance"] > chroma["None"] + 0.3


@pytest.mark.notebooks
def test_every_section_ran_its_before_and_after(nb):
    for name in ("colour_runs", "blend_runs", "scale_runs", "norm_runs", "textures"):
        assert len(nb[name]) >= 3, name
    for name in ("two_regions", "sky_only", "everywhere", "tv_off", "tv_on", "large_texture"):
        run = nb[name]
        assert run["result"] and run["final"]["total"] < run["first"]["total"], name
    assert set(nb["region_losses"]) == {"style_0", "style_1"}


@pytest.mark.notebooks
def test_coarse_to_fine_reports_its_numbers(nb):
    c2f = nb["c2f"]
    assert c2f["multi_seconds"] > 0 and c2f["target_loss"] > 0
    assert c2f["multi"]["settings"]["scales"] == nb["C2F_SCALES"]
    assert c2f["single_reached"] == (c2f["single_seconds"] is not None)


@pytest.mark.notebooks
def test_normalisation_evens_out_the_layers(nb):
    spread = nb["spread"]
    # measured: about 4e4 plain, 10 normalised
    assert spread["normalised"] < 1e-2 * spread["plain"]


@pytest.mark.notebooks
def test_the_large_texture_is_twice_the_source(nb):
    shape = nb["large_texture"]["shape"]
    source = nb["texture_source"]["tensor"]
    assert shape[-2:] == [2 * source[-2], 2 * source[-1]]
