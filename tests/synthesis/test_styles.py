"""Several styles blended by weight, the style's scale, and the total-variation regulariser."""

from __future__ import annotations

import math

import pytest
import torch

import helpers


def _run(content, style, **kw):
    kw = {"size": 64, "steps": 20, "progress": False, "device": "cpu", **kw}
    return helpers.stylize(content, style, **kw)


def _stripes(cycles: int, size: int = 64) -> torch.Tensor:
    """Diagonal colour stripes with ``cycles`` periods across the image."""
    y, x = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    s = torch.sin(2 * math.pi * cycles * (x + y) / size)
    return torch.stack([0.5 + 0.4 * s, 0.5 - 0.3 * s, 0.4 + 0.1 * s]).unsqueeze(0).float()


def test_per_style_losses_fall_and_follow_the_blend_weights(content64, style64):
    other = style64.flip(-1)  # the same stripes the other way: a compromise lowers both losses
    a = _run(content64, [style64, other], style_weights=[0.8, 0.2], steps=25)
    b = _run(content64, [style64, other], style_weights=[0.2, 0.8], steps=25)
    for run in (a, b):
        for key in ("style_0", "style_1"):
            assert run.final[key] < 0.7 * run.history[0][key], key  # measured: 0.08 to 0.49
        # the reported style loss is the blend of the two
        w = run.settings["style_weights"]
        assert run.final["style"] == pytest.approx(w[0] * run.final["style_0"] + w[1] * run.final["style_1"])
    assert a.settings["style_weights"] == pytest.approx([0.8, 0.2])
    # more weight, lower loss for that style (measured: about 6 times lower)
    assert a.final["style_0"] < 0.5 * b.final["style_0"]
    assert b.final["style_1"] < 0.5 * a.final["style_1"]


def test_blend_weights_are_normalised_so_the_ratio_keeps_its_meaning(content64, style64):
    one = _run(content64, style64, steps=2)
    same_twice = _run(content64, [style64, style64], steps=2)
    # two copies of one style at equal (default) weights are that style, not twice its weight
    assert same_twice.settings["style_weights"] == [0.5, 0.5]
    assert same_twice.history[0]["total"] == pytest.approx(one.history[0]["total"], rel=1e-5)


@pytest.mark.parametrize(("scale", "cycles"), [(0.5, 8), (2.0, 2)])
def test_style_scale_resizes_the_pattern_the_target_describes(caffe_net, scale, cycles):
    """Stripes with 4 cycles at style_scale=0.5 describe the same pattern (in output pixels) as
    stripes with 8 cycles at scale 1: the loss of the 8-cycle image against the scaled target is
    far lower than against the unscaled one (and vice versa for 2 and 2 cycles)."""
    source, image = _stripes(4), _stripes(cycles)

    def loss(style_scale):
        run = _run(
            None, source, steps=1, init=image, style_scale=style_scale, weights="caffe", precision="fp32"
        )
        return run.history[0]["style"]

    assert loss(scale) < 0.2 * loss(1.0)


def test_total_variation_smooths_the_image_and_enters_the_objective(content64, style64):
    plain = _run(content64, style64, steps=25)
    w = 1e-3 * plain.history[0]["total"]
    smooth = _run(content64, style64, steps=25, tv_weight=w)
    tv = [helpers.total_variation(r.image).item() for r in (plain, smooth)]
    assert tv[1] < 0.7 * tv[0]
    # the regulariser is a third term of the total, weighted by tv_weight (whether it also costs
    # style after 25 steps depends on the machine's arithmetic: CI's fp32 and this machine's bf16
    # gave opposite answers, so it is not asserted)
    s = smooth.settings
    f = smooth.final
    expected = s["alpha"] * f["content"] + s["beta"] * f["style"] + w * f["tv"]
    assert f["total"] == pytest.approx(expected, rel=1e-4)
    assert s["tv_weight"] == pytest.approx(w) and plain.final["tv"] == 0
