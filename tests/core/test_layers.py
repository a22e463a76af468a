"""VGG19's layer names and shapes: the one place that knows how a feature map shrinks with depth."""

from __future__ import annotations

import pytest
import torch

import helpers
from helpers.base.errors import SettingsError
from helpers.core.layers import (
    GROWING_STYLE_SETS,
    LAYERS,
    STYLE_LAYERS,
    feature_shapes,
    layer_set_label,
    layer_table,
    positions,
)
from helpers.panels.logic import layer_set_text


@pytest.mark.parametrize("shape", [(64, 96), (75, 33)])
def test_feature_shapes_are_the_networks(shape):
    net = helpers.vgg19(weights=None, device="cpu")
    out = net(torch.rand(1, 3, *shape), LAYERS)
    assert feature_shapes(shape) == {name: tuple(f.shape[1:]) for name, f in out.items()}


def test_feature_shapes_stop_at_the_last_layer_asked_for():
    assert list(feature_shapes((32, 32), "pool1")) == ["conv1_1", "conv1_2", "pool1"]
    with pytest.raises(SettingsError, match="unknown layer"):
        feature_shapes((32, 32), "conv9_9")


def test_positions_and_the_table_agree_with_feature_shapes():
    shape = (100, 140)
    m = positions(shape, STYLE_LAYERS)
    assert m == {name: h * w for name, (_, h, w) in feature_shapes(shape).items() if name in STYLE_LAYERS}
    assert m["conv1_1"] == 100 * 140 and m["conv5_1"] == 6 * 8
    assert {r.name: r.positions for r in layer_table(shape) if r.name in STYLE_LAYERS} == m
    assert positions(shape, []) == {}


def test_the_growing_sets_start_at_conv1_1_and_end_with_all_five():
    assert GROWING_STYLE_SETS[0] == ("conv1_1",) and GROWING_STYLE_SETS[-1] == STYLE_LAYERS
    assert [len(s) for s in GROWING_STYLE_SETS] == [1, 2, 3, 4, 5]
    assert helpers.figures.GROWING_STYLE_SETS is GROWING_STYLE_SETS


@pytest.mark.parametrize(
    ("layers", "label"),
    [
        ([], "no style layer"),
        (["conv4_2"], "conv4_2"),
        (["conv1_1", "conv2_1"], "conv1_1 … conv2_1"),
        (STYLE_LAYERS, "conv1_1 … conv5_1"),
        (["conv2_1", "conv3_1", "conv4_1"], "conv2_1 … conv4_1"),
        (["conv1_1", "conv3_1"], "conv1_1, conv3_1"),  # not consecutive: no ellipsis
        (["conv3_1", "conv1_1"], "conv3_1, conv1_1"),
    ],
)
def test_layer_set_labels(layers, label):
    assert layer_set_label(layers) == label


def test_figures_and_panels_label_layer_sets_the_same_way():
    for layers in GROWING_STYLE_SETS:
        assert layer_set_text(layers) == helpers.figures.layer_set_label(layers) == layer_set_label(layers)
