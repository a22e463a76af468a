"""Notebook 11 (what is a style? four style losses compared), in quick mode."""

from __future__ import annotations

import pytest

from tests.notebooks.harness import run_notebook

pytestmark = pytest.mark.notebooks
NAME = "11_what_is_a_style.ipynb"
LOSSES = ["gram", "mean_std", "histogram", "sliced_wasserstein"]


@pytest.fixture(scope="module")
def nb():
    return run_notebook(NAME)


def test_the_gram_loss_is_the_mmd_of_the_squared_kernel(nb):
    gram_side, mmd_side = nb["mmd_check"]
    assert gram_side == pytest.approx(mmd_side, rel=1e-4) and gram_side > 0
    assert f"{gram_side:.6g}" in nb.output_text()


def test_the_clouds_show_what_each_loss_matches_and_forgets(nb):
    values = nb["cloud_values"]
    shuffled, gaussian = values["shuffled"], values["Gaussian, same Gram"]
    assert shuffled["mean_std"] < 1e-6 and shuffled["histogram"] < 1e-6
    assert shuffled["gram"] > 1e-3 and shuffled["sliced_wasserstein"] > 1e-3
    assert gaussian["gram"] < 1e-6 and gaussian["mean_std"] < 1e-6
    assert gaussian["histogram"] > 1e-2 and gaussian["sliced_wasserstein"] > 1e-2


def test_every_loss_made_a_texture_a_star_field_and_a_panel_c(nb):
    for group in ("textures", "star_textures", "panel_c"):
        runs = nb[group]
        assert list(runs) == LOSSES, group
        for loss, run in runs.items():
            assert run["settings"]["style_loss"] == loss
            assert run["final"]["total"] < run["first"]["total"], (group, loss)
    for loss, run in nb["panel_c"].items():
        size_factor = nb["SIZE_FACTOR"]
        assert run["settings"]["ratio"] == pytest.approx((1e-3 if loss == "gram" else 3e-7) * size_factor)


def test_the_tables_measure_every_run_by_every_loss(nb):
    for table in ("texture_table", "panel_c_table"):
        assert list(nb[table]) == LOSSES and all(list(row) == LOSSES for row in nb[table].values())
    assert nb["content_vs_gram"]["gram"] == pytest.approx(1.0)
    assert set(nb["sky"]) == {"source", *LOSSES} and nb["sky"]["source"] > 0.9


def test_the_numbers_in_the_prose_are_computed(nb):
    out = nb.output_text()
    for loss, ratio in nb["ratios"].items():
        assert f"`{loss}` **{ratio:.2g}**" in out
    assert nb["ratios"]["gram"] == pytest.approx(1e-3)
    for seconds in nb["costs"].values():
        assert seconds > 0 and f"{seconds:.3f}" in out


def test_the_exercises_first_attempts_are_caught(nb):
    out = nb.output_text()
    assert "✗ mean_std_loss: you took the unbiased standard deviation" in out
    assert "✗ histogram_loss: you compared the values position by position" in out
