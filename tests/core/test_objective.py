"""Eq. 7, alpha L_content + beta L_style (+ TV), with its targets computed once."""

from __future__ import annotations

import math

import pytest
import torch

import helpers
from helpers.base.errors import SettingsError
from helpers.core.losses import content_loss, gram_matrix, style_loss, total_variation
from helpers.core.objective import Objective, check_weight, resolve_layer_weights
from helpers.core.vgg import STYLE_LAYERS


@pytest.fixture(scope="module")
def net():
    return helpers.vgg19(weights=None, device="cpu")


def image(h: int, w: int, seed: int) -> torch.Tensor:
    return torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(seed))


def test_the_total_is_alpha_content_plus_beta_style_plus_tv(net):
    content, style, x = image(48, 64, 0), image(48, 64, 1), image(48, 64, 2)
    weights = resolve_layer_weights(STYLE_LAYERS, None)
    objective = Objective(
        net,
        content,
        [style],
        output_shape=(48, 64),
        layer_weights=weights,
        alpha=1e-3,
        beta=2.0,
        tv_weight=0.5,
    )
    total, terms = objective(x)
    with torch.no_grad():
        layers = [*STYLE_LAYERS, "conv4_2"]
        fx, fc, fs = net(x, layers), net(content, layers), net(style, layers)
    expected_content = content_loss(fx["conv4_2"], fc["conv4_2"])
    expected_style = sum(0.2 * style_loss(fx[n], gram_matrix(fs[n])) for n in STYLE_LAYERS)
    assert math.isclose(float(terms["content"]), float(expected_content), rel_tol=1e-4)
    assert math.isclose(float(terms["style"]), float(expected_style), rel_tol=1e-4)
    assert math.isclose(float(terms["tv"]), float(total_variation(x)), rel_tol=1e-5)
    expected = 1e-3 * expected_content + 2.0 * expected_style + 0.5 * total_variation(x)
    assert math.isclose(float(total), float(expected), rel_tol=1e-4)


def test_the_inputs_themselves_have_zero_loss(net):
    content = image(48, 48, 0)
    weights = resolve_layer_weights(STYLE_LAYERS, None)
    _, terms = Objective(net, content, [content], output_shape=(48, 48), layer_weights=weights)(content)
    assert float(terms["content"]) == 0.0 and float(terms["style"]) == 0.0


def test_style_targets_are_rescaled_to_the_outputs_positions(net):
    """A style image of twice the size: A^l scaled by M_l(output) / M_l(style), about 1/4."""
    style = image(64, 64, 1)
    objective = Objective(
        net,
        None,
        [style],
        output_shape=(32, 32),
        layer_weights=resolve_layer_weights(["conv1_1"], None),
        style_layers=["conv1_1"],
    )
    with torch.no_grad():
        raw = gram_matrix(net(style, ["conv1_1"])["conv1_1"])
    assert torch.allclose(objective.style_targets[0]["conv1_1"], raw * (32 * 32) / (64 * 64))


def test_a_texture_has_no_content_term_and_gradients_reach_the_pixels(net):
    x = image(40, 40, 3).requires_grad_(True)
    objective = Objective(
        net,
        None,
        [image(40, 40, 1)],
        output_shape=(40, 40),
        layer_weights=resolve_layer_weights(STYLE_LAYERS, None),
    )
    total, terms = objective(x)
    total.backward()
    assert objective.content_layers == [] and float(terms["content"]) == 0.0
    assert x.grad is not None and float(x.grad.abs().sum()) > 0


def test_two_styles_are_mixed_by_their_weights(net):
    x, a, b = image(40, 40, 0), image(40, 40, 1), image(40, 40, 2)
    weights = resolve_layer_weights(STYLE_LAYERS, None)
    objective = Objective(
        net, None, [a, b], output_shape=(40, 40), layer_weights=weights, style_weights=[0.25, 0.75]
    )
    _, terms = objective(x)
    mixed = 0.25 * terms["style_0"] + 0.75 * terms["style_1"]
    assert math.isclose(float(terms["style"]), float(mixed), rel_tol=1e-5)


def test_nothing_to_optimise_is_refused(net):
    with pytest.raises(SettingsError, match="nothing to optimise"):
        Objective(net, None, [], output_shape=(32, 32))


def test_layer_weights_default_to_one_over_the_number_of_layers():
    assert resolve_layer_weights(STYLE_LAYERS, None) == dict.fromkeys(STYLE_LAYERS, 0.2)
    assert resolve_layer_weights([], None) == {}
    assert resolve_layer_weights(["conv1_1", "conv2_1"], [1, 3]) == {"conv1_1": 1.0, "conv2_1": 3.0}
    assert resolve_layer_weights(["conv1_1"], {"conv1_1": 2, "conv5_1": 9}) == {"conv1_1": 2.0}


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ([1.0], "1 values for 2 style layers"),
        ({"conv1_1": 1.0}, "no weight for style layer"),
        ({"conv1_1": 1.0, "conv2_1": 1.0, "conv9_9": 1.0}, "unknown layer_weights layer"),
        ([1.0, -1.0], "non-negative finite"),
        ([1.0, "heavy"], "must be a number"),
    ],
)
def test_bad_layer_weights_are_refused_in_one_line(weights, match):
    with pytest.raises(SettingsError, match=match):
        resolve_layer_weights(["conv1_1", "conv2_1"], weights)


def test_check_weight():
    assert check_weight("alpha", "0.5") == 0.5
    assert check_weight("alpha", 0) == 0.0
    for bad in (math.nan, math.inf, -1):
        with pytest.raises(SettingsError, match="alpha must be a non-negative finite number"):
            check_weight("alpha", bad)
    with pytest.raises(SettingsError, match="beta must be a positive finite number"):
        check_weight("beta", 0, positive=True)
