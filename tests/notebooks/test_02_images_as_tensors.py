"""What notebook 02_images_as_tensors computes (run once, in quick mode, by the harness)."""

from __future__ import annotations

import pytest

from helpers.core.vgg import STYLE_LAYERS
from tests.notebooks.harness import run_notebook

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def nb02():
    return run_notebook("02_images_as_tensors.ipynb").snapshot


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


def test_02_the_prose_reports_the_smallest_measured_error(nb02):
    smallest = min(min(per_layer.values()) for per_layer in nb02["feature_errors"].values())
    assert nb02["smallest_error"] == pytest.approx(smallest)


def test_02_the_two_mean_colours_agree_to_a_few_thousandths(nb02):
    assert nb02["mean_gap"] < 0.005


def test_02_exercises_reject_the_first_attempts(nb02):
    # the worked solutions (notebooks/solutions/02_solutions.ipynb) pass the same checks
    assert nb02["attempt_ok"] is False
    assert nb02["inverse_attempt_ok"] is False
