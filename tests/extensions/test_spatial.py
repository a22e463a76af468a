"""Spatial control (Gatys et al. 2017): masked Gram matrices give each region its own style."""

from __future__ import annotations

import pytest
import torch

import helpers
from helpers.base.errors import SettingsError
from helpers.core.objective import Objective, resolve_layer_weights
from helpers.core.vgg import STYLE_LAYERS
from helpers.extensions.spatial import SpatialObjective, guide_share, layer_mask, load_mask, masked_gram


def _blobs(colour, seed, size=64):
    """A smooth random texture around ``colour``."""
    g = torch.Generator().manual_seed(seed)
    noise = torch.nn.functional.interpolate(
        torch.rand(1, 3, 8, 8, generator=g), size=(size, size), mode="bicubic"
    )
    return (torch.tensor(colour).view(1, 3, 1, 1) + 0.3 * (noise - 0.5)).clamp(0, 1)


def _halves(h=64, w=64):
    left = torch.zeros(h, w)
    left[:, : w // 2] = 1
    return left, 1 - left


def test_masked_gram_is_the_gram_of_the_region_over_its_area():
    f = torch.randn(1, 5, 6, 8)
    left, _ = _halves(6, 8)
    expected = torch.einsum("bihw,bjhw->bij", f[..., :4], f[..., :4]) / (6 * 4)
    assert torch.allclose(masked_gram(f, left.view(1, 1, 6, 8)), expected, atol=1e-5)
    assert torch.allclose(masked_gram(f), helpers.gram_matrix(f) / 48, atol=1e-5)


def test_a_soft_mask_enters_squared_as_in_the_authors_guided_gram():
    """leongatys/NeuralImageSynthesis (SpatialControl): the guide is normalised so that
    sum(g**2) / M = 1, the responses are multiplied by it, and the Gram matrix is divided by M."""
    f = torch.randn(2, 4, 5, 6, generator=torch.Generator().manual_seed(1))
    soft = torch.rand(1, 1, 5, 6, generator=torch.Generator().manual_seed(2))
    m = soft.flatten().numel()
    guide = soft / (soft.pow(2).sum() / m).sqrt()
    guided = (f * guide).flatten(2)
    reference = guided @ guided.transpose(1, 2) / m
    assert torch.allclose(masked_gram(f, soft), reference, rtol=1e-5, atol=1e-6)
    linear = torch.einsum("bihw,bjhw->bij", f * soft, f) / soft.sum()  # weighting by m, not m**2
    assert not torch.allclose(masked_gram(f, soft), linear, rtol=1e-3)
    assert torch.allclose(masked_gram(f, 0.5 * soft), masked_gram(f, soft), rtol=1e-5, atol=1e-6)
    assert guide_share(soft).item() == pytest.approx(soft.pow(2).mean().item())
    assert guide_share(torch.ones(1, 1, 5, 6)).item() == 1.0


def test_layer_mask_averages_like_pooling():
    left, _ = _halves(8, 8)
    small = layer_mask(left.view(1, 1, 8, 8), (4, 4))
    assert small.shape == (1, 1, 4, 4) and torch.equal(small[0, 0, :, :2], torch.ones(4, 2))


def test_a_mask_covering_everything_is_the_papers_loss(content64, style64):
    net = helpers.vgg19(None, "avg", "cpu")
    kw = {"output_shape": (48, 64), "alpha": 1e-3, "layer_weights": resolve_layer_weights(STYLE_LAYERS, None)}
    small_style = style64[..., :40, :56]  # another size: the rescaled target must agree too
    plain = Objective(net, content64, [small_style], **kw)
    masked = SpatialObjective(net, content64, [small_style], masks=[torch.ones(1, 1, 48, 64)], **kw)
    x = torch.rand(1, 3, 48, 64, generator=torch.Generator().manual_seed(0))
    (_, a), (_, b) = plain(x), masked(x)
    assert b["style"].item() == pytest.approx(a["style"].item(), rel=1e-4)
    assert b["content"].item() == pytest.approx(a["content"].item(), rel=1e-6)


def test_each_region_takes_its_own_styles_statistics():
    """A red texture on the left, a blue one on the right: each half's colour mean (a statistic
    the Gram matrices of the shallow layers fix) is its own style's. Shallow layers: 40 steps."""
    red, blue = _blobs((0.8, 0.3, 0.2), 1), _blobs((0.2, 0.4, 0.8), 2)
    left, right = _halves()
    result = helpers.stylize(
        None,
        [red, blue],
        masks=[left, right],
        style_layers=["conv1_1", "conv2_1"],
        size=64,
        steps=40,
        progress=False,
        device="cpu",
    )
    assert result.final["style_0"] < 0.2 * result.history[0]["style_0"]
    out = result.image[0]
    mean_left, mean_right = out[:, :, :24].mean(dim=(1, 2)), out[:, :, 40:].mean(dim=(1, 2))
    mu_red, mu_blue = red[0].mean(dim=(1, 2)), blue[0].mean(dim=(1, 2))
    # measured: distance to its own style's mean 0.12 (left) and 0.06 (right) of that to the other's
    assert (mean_left - mu_red).norm() < 0.35 * (mean_left - mu_blue).norm()
    assert (mean_right - mu_blue).norm() < 0.35 * (mean_right - mu_red).norm()


def test_a_region_without_a_mask_stays_unstyled(content64, style64):
    left, _ = _halves(48, 64)
    kw = {"size": 64, "steps": 15, "init": "content", "progress": False, "device": "cpu"}
    everywhere = helpers.stylize(content64, style64, **kw)
    left_only = helpers.stylize(content64, style64, masks=[left], **kw)

    def change(result, cols):
        return (result.image - content64)[..., cols].abs().mean().item()

    right = slice(40, 64)
    assert change(left_only, right) < 0.5 * change(everywhere, right)
    assert change(left_only, slice(0, 24)) > 2 * change(left_only, right)


def test_mask_errors_are_one_line(content64, style64):
    left, _ = _halves(48, 64)
    with pytest.raises(SettingsError, match="one mask per style"):
        helpers.stylize(content64, [style64, style64], masks=[left], size=64, steps=1, weights=None)
    with pytest.raises(SettingsError, match="empty"):
        helpers.stylize(content64, style64, masks=[torch.zeros(48, 64)], size=64, steps=1, weights=None)
    with pytest.raises(SettingsError, match="need masks"):
        helpers.stylize(content64, style64, style_masks=[left], size=64, steps=1, weights=None)
    with pytest.raises(SettingsError, match=r"\[0, 1\]"):
        load_mask(left * 2, (48, 64))
