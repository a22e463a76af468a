"""What notebook 03_inside_vgg19 computes (run once, in quick mode, by the harness)."""

from __future__ import annotations

import pytest

from helpers.core.vgg import CONV_LAYERS, LAYERS
from tests.notebooks.harness import run_notebook

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def nb03():
    return run_notebook("03_inside_vgg19.ipynb").snapshot


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


def test_03_the_prose_reports_the_measured_gradient_reach(nb03):
    assert nb03["reach_avg"] == pytest.approx(1.0)
    assert nb03["reach_max"] == pytest.approx(min(nb03["grad_reach"]["max"].values()))


def test_03_exercises_reject_the_first_attempts(nb03):
    # the worked solutions (notebooks/solutions/03_solutions.ipynb) pass the same checks
    assert nb03["attempt_ok"] is False
    assert nb03["size_attempt_ok"] is False
