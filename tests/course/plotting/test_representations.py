"""The plots of notebooks 04 and 05 draw what they are given: one panel per input, labelled."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch

from helpers import plotting


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def test_pixel_gradients_one_panel_per_layer():
    grads = {"conv1_1": torch.randn(1, 3, 8, 10), "conv4_1": torch.randn(1, 3, 8, 10)}
    fig = plotting.plot_pixel_gradients(torch.rand(1, 3, 8, 10), grads)
    assert _titles(fig) == [
        "the photo",
        "|∂L/∂x| at the start, content at conv1_1",
        "|∂L/∂x| at the start, content at conv4_1",
    ]
    # the gradient panel shows |grad| summed over the colour channels
    shown = fig.axes[1].images[0].get_array()
    assert torch.allclose(torch.as_tensor(shown.data).float(), grads["conv1_1"][0].abs().sum(0))


def test_reconstruction_errors_bars_and_layout_axis():
    errors = {m: {"conv1_1": 0.1, "conv5_1": 0.3} for m in ("pixels", "coarse", "detail")}
    errors["layout"] = {"conv1_1": 1.0, "conv5_1": 0.6}
    fig = plotting.plot_reconstruction_errors(errors)
    assert _titles(fig) == ["what each layer lets go", "layout kept"]
    assert fig.axes[1].get_ylim() == (0, 1.05)
    assert len(fig.axes[0].patches) == 6  # 3 measures x 2 layers


def test_tiny_gram_writes_every_entry():
    maps = torch.zeros(1, 3, 4, 4)
    maps[0, 0, :2] = 1
    gram = maps.reshape(3, 16) @ maps.reshape(3, 16).T
    fig = plotting.plot_tiny_gram(maps, gram, ["a", "b", "c"])
    texts = [t.get_text() for t in fig.axes[3].texts]
    assert texts == [f"{float(v):.0f}" for v in gram.flatten()]


def test_grams_filter_pairs_and_maps():
    grams = {"conv1_1": torch.rand(1, 4, 4) * 10, "conv3_1": torch.rand(1, 6, 6) * 10}
    fig = plotting.plot_grams(torch.rand(1, 3, 8, 8), grams, ["conv1_1", "conv3_1"], title="painting")
    assert "conv3_1: log10 of G / M, 6 × 6" in _titles(fig)
    fig = plotting.plot_filter_pairs(
        torch.rand(1, 5, 6, 6),
        {"together": (0, 1), "apart": (2, 4)},
        {"together": 0.9, "apart": 0.1},
        layer="conv1_1",
    )
    assert _titles(fig) == [
        "conv1_1 channel 0",
        "conv1_1 channel 1",
        "conv1_1 channel 2",
        "conv1_1 channel 4",
    ]
    assert "apart: cosine 0.10" in [t.get_text() for ax in fig.axes for t in ax.texts]
    fig = plotting.plot_maps([torch.rand(5, 5), torch.rand(5, 5)], ["one", "two"])
    assert _titles(fig) == ["one", "two"]
