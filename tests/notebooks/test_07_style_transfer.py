"""Notebook 07 (style transfer, the paper's Fig. 2): what it computed, checked on its snapshot."""

from __future__ import annotations

import pytest

from tests.notebooks.harness import run_notebook

NAME = "07_style_transfer.ipynb"
PAPER_RATIOS = {"B": 1e-3, "C": 1e-3, "D": 1e-3, "E": 1e-4, "F": 1e-4}
PAINTINGS = {
    "B": "shipwreck",
    "C": "starry_night",
    "D": "scream",
    "E": "femme_nue_assise",
    "F": "composition_vii",
}

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def snap(images_dir):
    return run_notebook(NAME).snapshot


def test_five_renderings_at_the_papers_ratios(snap):
    results = snap["results"]
    assert sorted(results) == list("BCDEF")
    for letter, result in results.items():
        assert result["result"] and result["stopped"] is None
        assert result["settings"]["ratio"] == PAPER_RATIOS[letter]
        assert result["settings"]["style"] == [PAINTINGS[letter]]
        assert result["settings"]["content"] == "tubingen"
        assert result["settings"]["init"] == "noise" and result["settings"]["weights"] == "caffe"
        assert result["settings"]["pooling"] == "avg" and result["settings"]["optimizer"] == "lbfgs"
    assert snap["RATIOS"] == PAPER_RATIOS


def test_every_loss_fell(snap):
    for letter, result in snap["results"].items():
        assert result["final"]["total"] < result["first"]["total"], letter
        assert result["final"]["style"] < result["first"]["style"], letter
    assert all(0 < v < 1 for v in snap["fell"].values())


def test_panel_c_is_the_run_watched_forming(snap):
    starry, c = snap["starry"], snap["results"]["C"]
    assert starry["final"] == c["final"] and starry["settings"] == c["settings"]
    steps = snap["frame_steps"]
    assert steps[0] == 1 and len(steps) >= 2 and steps == sorted(steps)
    assert steps[-1] <= snap["RUN"]["steps"]


def test_the_loop_by_hand_is_stylize(snap):
    evaluations, packaged = snap["evaluations"], snap["packaged"]
    assert len(evaluations) >= snap["LOOP"]["steps"] and evaluations[-1] < evaluations[0]
    # Same pair, same noise, same budget, float32: the cell and the package take the same path.
    assert packaged["steps"] == len(evaluations)
    assert packaged["final"]["total"] == pytest.approx(evaluations[-1], rel=1e-5)


def test_gatys_notebook_read_in_the_papers_notation(snap):
    # alpha = 2 / (N M) at conv4_2, beta w_l = 4e3 / N_l^2: shorter side 512 px, about 1e-6, far below 1e-3.
    assert 1e-7 < snap["gatys_ratio_512"] < 1e-5
    weights = snap["gatys_w"]
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["conv1_1"] > weights["conv2_1"] > weights["conv3_1"] > weights["conv5_1"]


def test_the_honest_account_is_measured(snap):
    share = snap["share"]
    ours, normalised = share["our network"], share["the normalised network"]
    assert set(ours) == set(normalised) == {"conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"}
    # Normalising evens the layers out: the loudest layer is less loud, the quietest less quiet.
    assert max(ours.values()) > max(normalised.values())
    assert min(ours.values()) < min(normalised.values())
    printed, gatys = snap["normalised_printed"], snap["normalised_gatys"]
    assert printed["settings"]["normalize"] and gatys["settings"]["normalize"]
    assert printed["settings"]["ratio"] == 1e-3
    assert gatys["settings"]["ratio"] == pytest.approx(snap["gatys_ratio"])
    assert len(snap["content_fell"]) == len(snap["style_fell"]) == 3
    assert all(v > 0 for v in [*snap["content_fell"].values(), *snap["style_fell"].values()])


def test_quantisation_and_steps_are_measured(snap):
    errors = snap["quantisation_error"]
    assert len(errors) == 6 and all(0 < e < 0.05 for e in errors.values())
    assert 15 < snap["weights_mb"] < 25
    assert 0 <= snap["late_drop"] < 1
