"""What notebooks 01-03 compute (executed once, in quick mode, by the notebook harness)."""

from __future__ import annotations

import pytest
import torch

from helpers import catalog
from helpers.vgg import CHANNELS, CONV_LAYERS, LAYERS, STYLE_LAYERS
from tests.notebook_harness import run_notebook

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def nb01():
    return run_notebook("01_setup_and_tour.ipynb").snapshot


@pytest.fixture(scope="module")
def nb02():
    return run_notebook("02_images_as_tensors.ipynb").snapshot


@pytest.fixture(scope="module")
def nb03():
    return run_notebook("03_inside_vgg19.ipynb").snapshot


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


# --- 02: images as tensors ---------------------------------------------------------------------


def test_02_loads_a_batch_of_one_rgb_image(nb02):
    batch, channels, h, w = nb02["image_shape"]
    assert (batch, channels) == (1, 3) and max(h, w) == nb02["SIZE"]


def test_02_every_wrong_convention_changes_the_features(nb02):
    errors = nb02["feature_errors"]
    assert len(errors) == 4
    for mistake, per_layer in errors.items():
        assert list(per_layer) == list(STYLE_LAYERS)
        assert min(per_layer.values()) > 0.05, mistake


def test_02_round_trips_are_exact_to_8_bits(nb02):
    assert nb02["png"]["exists"] and nb02["jpg"]["exists"]
    assert nb02["roundtrip_error"] <= 0.5 / 255 + 1e-6
    assert nb02["jpeg_error"] > nb02["roundtrip_error"]
    assert nb02["normalization_error"] < 1e-4


def test_02_exercise_rejects_the_first_attempt_and_accepts_the_solution(nb02):
    assert nb02["attempt_ok"] is False
    assert nb02["solution_ok"] is True


# --- 03: inside VGG19 --------------------------------------------------------------------------


def test_03_table_has_21_rows_matching_the_computed_responses(nb03):
    table = nb03["table"]
    assert [row[0] for row in table] == list(LAYERS)
    for name, channels, height, width, positions, _stride, _rf in table:
        assert nb03["responses"][name]["tensor"] == [1, channels, height, width], name
        assert positions == height * width


def test_03_measured_receptive_field_equals_the_formula(nb03):
    assert nb03["measured_rf"] == [nb03["predicted_rf"]] * 2
    rf = dict(zip(LAYERS, (row[6] for row in nb03["table"])))
    assert nb03["predicted_rf"] == rf[nb03["PROBE"]]


def test_03_max_pooling_passes_gradient_to_one_unit_in_four(nb03):
    reach = nb03["grad_reach"]
    assert all(value == pytest.approx(1.0) for value in reach["avg"].values())
    assert all(value == pytest.approx(0.25, abs=0.01) for value in reach["max"].values())


def test_03_relu_leaves_part_of_each_layer_active(nb03):
    assert list(nb03["active"]) == list(CONV_LAYERS)
    assert all(0 < value < 1 for value in nb03["active"].values())


def test_03_exercise_rejects_the_first_attempt_and_accepts_the_solution(nb03):
    assert nb03["attempt_ok"] is False
    assert nb03["solution_ok"] is True
