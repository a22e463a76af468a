"""The diagram of the whole algorithm: it draws, and it says what the paper's algorithm does."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

import helpers
from helpers.course.plotting.diagram import algorithm_diagram


@pytest.fixture(scope="module")
def texts():
    fig = algorithm_diagram()
    drawn = " ".join(t.get_text() for ax in fig.axes for t in ax.texts) + " " + fig.axes[0].get_title()
    plt.close(fig)
    return drawn


def test_it_draws_one_axes_without_ticks():
    fig = algorithm_diagram()
    assert len(fig.axes) == 1 and not fig.axes[0].axison
    assert len(fig.axes[0].patches) >= 12, "boxes for the inputs, networks, targets, losses and update"
    plt.close(fig)


@pytest.mark.parametrize(
    "label",
    [
        "photo",
        "painting",
        "faint noise",
        "conv4_2",
        "conv1_1",
        "conv5_1",
        "Eq. 1",
        "Eq. 5",
        "Eq. 7",
        "L-BFGS",
        "pixels only",
        "frozen",
        "computed once",
        "alpha",
        "beta",
        "Gram",
    ],
)
def test_it_labels_every_part_of_the_algorithm(texts, label):
    assert label in texts


def test_it_never_says_white_noise(texts):
    assert "white" not in texts.lower()


def test_it_draws_into_a_given_axes_and_is_exported():
    fig, ax = plt.subplots()
    assert algorithm_diagram(ax=ax) is fig
    assert helpers.plotting.algorithm_diagram is algorithm_diagram
    plt.close(fig)
