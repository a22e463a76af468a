"""check_parameter_count and check_feature_map_size: right answers pass, typical mistakes are named."""

from __future__ import annotations

import math

import pytest
import torch

import helpers
from helpers.core.vgg import CHANNELS, LAYERS, layer_table
from helpers.course.exercises import check_feature_map_size, check_parameter_count


def _reported(capsys) -> str:
    out = capsys.readouterr().out.strip()
    assert "\n" not in out, "one line of feedback"
    return out


# --- check_parameter_count -----------------------------------------------------------------------


def _count(name, *, bias=True, kernel=9, own=False, pool=0):
    if name.startswith("pool"):
        return pool
    index = LAYERS.index(name)
    previous = [n for n in LAYERS[:index] if n.startswith("conv")]
    n_in = CHANNELS[name] if own else (CHANNELS[previous[-1]] if previous else 3)
    return CHANNELS[name] * n_in * kernel + (CHANNELS[name] if bias else 0)


def _from_the_network(name):
    net = helpers.vgg19(device="cpu")
    if name not in net.convs:
        return 0
    return sum(p.numel() for p in net.convs[name].parameters())


@pytest.mark.parametrize(
    "answer",
    [_count, _from_the_network, lambda name: torch.tensor(_count(name)), lambda name: float(_count(name))],
)
def test_parameter_count_right_answers_pass(answer, capsys):
    assert check_parameter_count(answer) is True
    assert _reported(capsys).startswith("✓ check_parameter_count")


def test_the_reference_counts_vgg19s_20_million_convolution_parameters():
    assert sum(_count(name) for name in LAYERS) == 20_024_384


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (lambda name: _count(name, bias=False), "not the biases"),
        (lambda name: _count(name, kernel=1), "multiply N_l · N_(l-1) by 9"),
        (lambda name: _count(name, kernel=3), "9 weights, not 3"),
        (lambda name: _count(name, own=True), "own N_l for its input"),
        (lambda name: _count(name, own=True, bias=False), "no biases, and the layer's own N_l"),
        (lambda name: _count(name, pool=CHANNELS[name]), "pooling layer learns nothing"),
        (lambda name: _count(name) if name != "conv3_1" else 7, "the first is conv3_1"),
        (lambda name: None, "you returned None"),
        (lambda name: "many", "you returned 'many'"),
        (lambda name: {"conv1_1": 1792}[name], "raised KeyError"),
    ],
)
def test_parameter_count_mistakes_are_named(answer, says, capsys):
    assert check_parameter_count(answer) is False
    out = _reported(capsys)
    assert out.startswith("✗ check_parameter_count") and says in out, out


# --- check_feature_map_size ----------------------------------------------------------------------


def _blocks_before(name):
    block = int(name[4])
    return block if name.startswith("pool") else block - 1


def _size(name, height, width):
    k = _blocks_before(name)
    return height // 2**k, width // 2**k


@pytest.mark.parametrize(
    "answer",
    [
        _size,
        lambda name, h, w: [_size(name, h, w)[0], _size(name, h, w)[1]],
        lambda name, h, w: torch.tensor(_size(name, h, w)),
        lambda name, h, w: (lambda row: (row.height, row.width))(layer_table((h, w))[LAYERS.index(name)]),
        lambda name, h, w: tuple(float(v) for v in _size(name, h, w)),  # 23.0 is a whole number too
    ],
)
def test_feature_map_size_right_answers_pass(answer, capsys):
    assert check_feature_map_size(answer) is True
    assert _reported(capsys).startswith("✓ check_feature_map_size")


def _valid(name, h, w):
    for layer in LAYERS[: LAYERS.index(name) + 1]:
        h, w = (h - 2, w - 2) if layer.startswith("conv") else (h // 2, w // 2)
    return h, w


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (lambda name, h, w: _size(name, h, w)[::-1], "swapped"),
        (
            lambda name, h, w: (lambda k: (math.ceil(h / 2**k), math.ceil(w / 2**k)))(_blocks_before(name)),
            "rounded up",
        ),
        (lambda name, h, w: (lambda k: (h / 2**k, w / 2**k))(_blocks_before(name)), "whole number of rows"),
        (lambda name, h, w: (h // 2 ** int(name[4]), w // 2 ** int(name[4])), "halved once too often"),
        (lambda name, h, w: (h // 2 ** (int(name[4]) - 1), w // 2 ** (int(name[4]) - 1)), "halves the size"),
        (_valid, "pad with one pixel"),
        (lambda name, h, w: _size(name, h, w) if name != "conv5_3" else (1, 1), "the first is conv5_3"),
        (lambda name, h, w: _size(name, h, w)[0] * _size(name, h, w)[1], "return two numbers"),
        (lambda name, h, w: (h, None), "H_l and W_l are numbers"),
        (lambda name: (1, 1), "raised TypeError"),
    ],
)
def test_feature_map_size_mistakes_are_named(answer, says, capsys):
    assert check_feature_map_size(answer) is False
    out = _reported(capsys)
    assert out.startswith("✗ check_feature_map_size") and says in out, out


def test_rounding_to_the_nearest_is_named(capsys):
    def nearest(name, h, w):
        for layer in LAYERS[: LAYERS.index(name) + 1]:
            if layer.startswith("pool"):
                h, w = round(h / 2), round(w / 2)
        return h, w

    assert check_feature_map_size(nearest) is False
    assert "rounded to the nearest" in _reported(capsys)


def test_the_checks_are_reachable_from_the_package():
    assert helpers.exercises.check_parameter_count is check_parameter_count
    assert helpers.exercises.check_feature_map_size is check_feature_map_size
