"""Notebook 09 (colour, place and scale: Gatys et al. 2016, 2017): what it computed, in quick mode."""

from __future__ import annotations

import pytest

from tests.notebooks.harness import run_notebook

pytestmark = pytest.mark.notebooks
NAME = "09_controlling_perceptual_factors.ipynb"


@pytest.fixture(scope="module")
def nb():
    return run_notebook(NAME)


def test_luminance_transfer_keeps_the_photos_colour(nb):
    chroma = nb["chroma"]
    assert chroma["luminance"] > 0.9
    assert chroma["luminance"] > chroma["None"] + 0.3
    # the prose below the pictures is formatted from these numbers
    assert f"{chroma['luminance']:+.2f}" in nb.output_text()


def test_every_section_ran_its_before_and_after(nb):
    assert len(nb["colour_runs"]) == 3 and len(nb["scale_runs"]) == 3
    assert nb["scale_runs"]["1.0"] == nb["colour_runs"]["None"]  # the plain run is reused, not rerun
    for name in ("two_regions", "sky_only", "everywhere"):
        run = nb[name]
        assert run["result"] and run["final"]["total"] < run["first"]["total"], name
        assert run["settings"]["init"] == "content", name
    assert nb["two_regions"]["settings"]["masks"] == 2 and nb["sky_only"]["settings"]["masks"] == 1


def test_the_unmasked_town_changes_less(nb):
    change = nb["town_change"]
    assert change["sky_only"] < change["everywhere"]


def test_coarse_to_fine_reports_its_numbers(nb):
    c2f = nb["c2f"]
    assert c2f["multi_seconds"] > 0 and c2f["target_loss"] > 0
    assert c2f["multi"]["settings"]["scales"] == nb["C2F_SCALES"]
    assert c2f["single_reached"] == (c2f["single_seconds"] is not None)
    assert nb["c2f_verdict"] in nb.output_text()


def test_the_exercises_first_attempts_are_caught(nb):
    out = nb.output_text()
    assert "✗ match_luminance: you matched the mean but not the contrast" in out
    assert "✗ guided_gram: you weighted each position by m" in out
