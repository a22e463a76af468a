"""What notebook 01_setup_and_tour computes (run once, in quick mode, by the harness)."""

from __future__ import annotations

import pytest
import torch

from helpers import catalog
from helpers.core.vgg import CHANNELS, CONV_LAYERS
from tests.notebooks.harness import run_notebook

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def nb01():
    return run_notebook("01_setup_and_tour.ipynb").snapshot


# --- 01: setup and tour ------------------------------------------------------------------------


def test_01_reports_this_machine(nb01):
    assert nb01["device_name"] in {"cpu", "cuda", "mps"}
    assert nb01["versions"]["torch"] == torch.__version__.split("+")[0]
    assert nb01["setup"]["quick_mode"] is True


def test_01_shows_the_quantised_weights_file(nb01):
    assert nb01["weights_file"]["exists"]
    # 3x3 kernels of every convolution: sum over layers of N_l * N_(l-1) * 9
    n_in, expected = 3, 0
    for name in CONV_LAYERS:
        expected += CHANNELS[name] * n_in * 9
        n_in = CHANNELS[name]
    assert nb01["n_weights"] == expected
    assert 0.95 < nb01["weights_mb"] * 1e6 / expected < 1.1, "about one byte per weight"
    assert nb01["n_centroids"] == 256
    assert nb01["distinct_kernel"] <= nb01["distinct_layer"] <= 256
    assert nb01["distinct_kernel"] < nb01["kernel_size"] == 512 * 9
    assert 0 < nb01["bound_99"] < 0.2


def test_01_lists_every_example_image_with_credits(nb01):
    assert nb01["image_names"] == list(catalog.catalog())
    table = nb01["credits_table"]
    assert all(name in table for name in nb01["image_names"])
    assert "not free" in nb01["picasso_licence"] and "Picasso" in table


def test_01_estimates_a_300_step_run(nb01):
    assert nb01["step_seconds"] > 0 and nb01["measured_step_seconds"] > 0
    assert nb01["estimate_seconds"] == pytest.approx(300 * nb01["step_seconds"])
    assert "minutes" in nb01["timing_sentence"] and "300-step" in nb01["timing_sentence"]
    assert all(seconds > 0 for seconds in nb01["sweep"].values())


def test_01_draws_the_whole_algorithm_early(nb01):
    assert nb01["diagram"] == {"figure": 1}
    assert nb01["start_mean"] == pytest.approx(0.5, abs=0.01)
    assert nb01["start_std"] == pytest.approx(0.03, abs=0.005), "faint noise, not white noise"


def test_01_exercise_rejects_the_first_attempt(nb01):
    assert nb01["attempt_ok"] is False
