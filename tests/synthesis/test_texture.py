"""Texture synthesis as an entry point of its own (Gatys et al. 2015)."""

from __future__ import annotations

import helpers
from helpers.synthesis.texture import TEXTURE_LAYER_SETS, synthesize_texture


def test_a_texture_larger_than_its_source(style64):
    result = synthesize_texture(style64, size=64, shape=(64, 128), steps=20, progress=False, device="cpu")
    assert result.image.shape == (1, 3, 64, 128)
    assert result.final["content"] == 0
    assert result.final["style"] < 0.2 * result.history[0]["style"]
    assert result.settings["content"] is None


def test_texture_layers_are_the_ones_matched(style64):
    layers = TEXTURE_LAYER_SETS[1]
    assert layers == ("conv1_1", "conv2_1")
    result = synthesize_texture(style64, layers=layers, size=64, steps=2, progress=False)
    assert result.settings["style_layers"] == list(layers)


def test_same_as_stylize_without_content(style64):
    kw = {"size": 64, "steps": 3, "progress": False, "device": "cpu"}
    a = synthesize_texture(style64, **kw)
    b = helpers.stylize(None, style64, **kw)
    assert a.losses() == b.losses()
