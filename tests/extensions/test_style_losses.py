"""The style losses beyond the Gram matrix: hand-worked values, the properties that define them,
their gradients, and each one lowered by a short stylize and texture run."""

from __future__ import annotations

import math

import pytest
import torch

import helpers
from helpers.base.errors import SettingsError
from helpers.core.losses import GramStatistic, StyleStatistic
from helpers.extensions.style_losses import (
    BALANCED_RATIO,
    STYLE_LOSSES,
    HistogramStatistic,
    MeanStdStatistic,
    SlicedWassersteinStatistic,
    channel_mean_std,
    resample_sorted,
    style_statistic,
)

ALTERNATIVES = ["mean_std", "histogram", "sliced_wasserstein"]


def _value(name: str, features: torch.Tensor, style: torch.Tensor, **kw) -> float:
    statistic = style_statistic(name, **kw)
    return float(statistic.loss(features, statistic.target(style, features.shape[2:].numel())))


def _features(seed: int, shape=(1, 6, 5, 7), dtype=torch.float32) -> torch.Tensor:
    """Post-ReLU-like responses: non-negative, some zero, channels correlated through a mix."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=dtype)
    mix = torch.randn(shape[1], shape[1], generator=g, dtype=dtype)
    return torch.einsum("ij,bjhw->bihw", mix, x).clamp_min(0) + 0.1


# --- hand-worked values -------------------------------------------------------------------------

F_ONE = torch.tensor([1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 2, 2)
S_ONE = torch.tensor([4.0, 0.0, 4.0, 0.0]).reshape(1, 1, 2, 2)


def test_hand_worked_values_on_one_channel():
    # Gram: G = 1+4+9+16 = 30, A = 32; E = (30-32)^2 / (4 * 1^2 * 4^2) = 4/64
    assert _value("gram", F_ONE, S_ONE) == pytest.approx(4 / 64)
    # mean 2.5 vs 2, std sqrt(1.25) vs 2 (population deviations); N = 1
    assert _value("mean_std", F_ONE, S_ONE) == pytest.approx(0.25 + (2 - math.sqrt(1.25)) ** 2, rel=1e-5)
    # sorted [1, 2, 3, 4] against [0, 0, 4, 4]: (1 + 4 + 1 + 0) / (N M = 4)
    assert _value("histogram", F_ONE, S_ONE) == pytest.approx(1.5)
    # one channel: every direction is +1 or -1, and either sign sorts to the histogram's pairs
    assert _value("sliced_wasserstein", F_ONE, S_ONE) == pytest.approx(1.5)


def test_mean_std_of_each_channel_over_positions():
    f = torch.tensor([[1.0, 3.0], [2.0, 2.0]]).reshape(1, 2, 1, 2)
    mean, std = channel_mean_std(f)
    assert mean.tolist() == [[2.0, 2.0]]
    assert std[0, 0] == pytest.approx(1.0, rel=1e-4) and std[0, 1] == pytest.approx(math.sqrt(1e-5))


def test_resample_sorted_keeps_equal_sizes_and_reads_quantiles():
    values = torch.tensor([[[0.0, 1.0, 2.0, 3.0]]])
    assert torch.equal(resample_sorted(values, 4), values)
    assert resample_sorted(values, 2).tolist() == [[[1.0, 3.0]]]  # ranks 1 and 3 of 0..3
    assert resample_sorted(values, 8).tolist() == [[[0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0]]]


# --- defining properties --------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(STYLE_LOSSES))
def test_zero_for_an_image_against_itself(name, caffe_net, style64):
    feats = caffe_net(style64, ["conv1_1", "conv3_1"])
    for f in feats.values():
        assert _value(name, f, f) == pytest.approx(0.0, abs=1e-6 * float(f.pow(2).mean()))


@pytest.mark.parametrize("name", list(STYLE_LOSSES))
def test_every_style_loss_forgets_where_the_features_were(name):
    f, s = _features(1), _features(2)
    perm = torch.randperm(35, generator=torch.Generator().manual_seed(3))
    moved = f.flatten(2)[..., perm].reshape(f.shape)  # the same permutation for every channel
    assert _value(name, moved, s) == pytest.approx(_value(name, f, s), rel=1e-5)


def test_what_each_loss_matches_and_forgets():
    f = _features(4, (1, 4, 8, 8))
    # Shuffle each channel's positions on its own: every channel keeps its values (mean, std, whole
    # histogram) but the channels no longer occur together as they did.
    g = torch.Generator().manual_seed(5)
    flat = f.flatten(2)[0]
    shuffled = torch.stack([row[torch.randperm(64, generator=g)] for row in flat]).reshape(f.shape)
    assert _value("mean_std", shuffled, f) == pytest.approx(0.0, abs=1e-6)
    assert _value("histogram", shuffled, f) == pytest.approx(0.0, abs=1e-6)
    assert _value("gram", shuffled, f) > 1e-3 * _value("gram", torch.zeros_like(f), f)
    assert _value("sliced_wasserstein", shuffled, f) > 1e-3
    # A change of each channel's spread is seen by all of them.
    for name in STYLE_LOSSES:
        assert _value(name, 1.1 * f, f) > 0


def test_mean_std_is_zero_exactly_when_means_and_deviations_match():
    f = _features(6)
    mean, std = channel_mean_std(f)
    z = torch.randn(f.shape, generator=torch.Generator().manual_seed(7))
    z_mean, z_std = channel_mean_std(z)

    # another distribution with f's means and deviations per channel (the epsilon aside)
    def per_channel(t):
        return t[..., None, None]

    rebuilt = (z - per_channel(z_mean)) / per_channel(z_std) * per_channel(std) + per_channel(mean)
    assert _value("mean_std", rebuilt, f) < 1e-8
    assert _value("mean_std", rebuilt + 0.1, f) == pytest.approx(0.01, rel=1e-3)  # every mean off by 0.1


def test_histogram_loss_is_sliced_wasserstein_along_the_channel_axes():
    f, s = _features(8), _features(9)
    axes = SlicedWassersteinStatistic(resample=False)
    axes._fixed[f.shape[1]] = torch.eye(f.shape[1])
    target = axes.target(s, 35)
    assert float(axes.loss(f, target)) == pytest.approx(_value("histogram", f, s), rel=1e-5)


def test_a_style_of_another_size_is_compared_by_its_quantiles():
    s = _features(10, (1, 3, 4, 4))
    tiled = s.repeat(1, 1, 2, 2)  # the same distribution over four times the positions
    for name in ALTERNATIVES:
        assert _value(name, tiled, s) == pytest.approx(0.0, abs=1e-6)


def test_sliced_wasserstein_directions_fixed_per_seed_or_redrawn():
    f, s = _features(11), _features(12)
    assert _value("sliced_wasserstein", f, s, seed=1) == _value("sliced_wasserstein", f, s, seed=1)
    assert _value("sliced_wasserstein", f, s, seed=1) != _value("sliced_wasserstein", f, s, seed=2)
    fixed = SlicedWassersteinStatistic(3)
    target = fixed.target(s, 35)
    assert float(fixed.loss(f, target)) == float(fixed.loss(f, target))
    moving = SlicedWassersteinStatistic(3, resample=True)
    target = moving.target(s, 35)
    assert float(moving.loss(f, target)) != float(moving.loss(f, target))
    v = fixed.draw(6, torch.device("cpu"))
    assert v.shape == (6, 6) and torch.allclose(v.norm(dim=1), torch.ones(6))


def test_the_output_must_have_the_targets_positions():
    s = _features(13)
    statistic = HistogramStatistic()
    with pytest.raises(ValueError, match="positions"):
        statistic.loss(_features(14, (1, 6, 4, 4)), statistic.target(s, 35))


@pytest.mark.parametrize("name", list(STYLE_LOSSES))
def test_gradients_by_gradcheck_in_float64(name):
    # distinct values (sorting has no gradient where two values tie)
    g = torch.Generator().manual_seed(15)
    s = torch.randn((1, 3, 3, 4), generator=g, dtype=torch.float64)
    f = torch.randn((1, 3, 3, 4), generator=g, dtype=torch.float64).requires_grad_(True)
    statistic = style_statistic(name)
    target = statistic.target(s, 12)
    assert torch.autograd.gradcheck(lambda x: statistic.loss(x, target), (f,), eps=1e-6, atol=1e-5)


# --- in stylize, texture and the settings --------------------------------------------------------


@pytest.mark.parametrize("name", ALTERNATIVES)
def test_each_loss_falls_in_a_short_stylize_and_texture_run(name, content64, style64):
    run = {"size": 48, "steps": 8, "progress": False, "style_loss": name}
    result = helpers.stylize(content64, style64, **run)
    assert result.settings["style_loss"] == name and result.settings["ratio"] == BALANCED_RATIO
    assert result.final["total"] < 0.7 * result.history[0]["total"]
    texture = helpers.synthesize_texture(style64, **run)
    assert texture.final["style"] < 0.5 * texture.history[0]["style"]


def test_default_ratio_is_the_losses_own_and_a_given_ratio_wins(content64, style64):
    run = {"size": 48, "steps": 1, "progress": False}
    assert helpers.stylize(content64, style64, **run).settings["ratio"] == GramStatistic.default_ratio == 1e-3
    given = helpers.stylize(content64, style64, style_loss="mean_std", ratio=1e-5, **run)
    assert given.settings["ratio"] == given.settings["alpha"] == 1e-5


def test_combines_with_several_styles_and_layer_weights(content64, style64):
    result = helpers.stylize(
        content64,
        [style64, content64],
        style_loss="histogram",
        style_weights=[3, 1],
        style_layers=["conv1_1", "conv2_1"],
        layer_weights=[0.9, 0.1],
        size=48,
        steps=4,
        progress=False,
    )
    assert {"style_0", "style_1"} <= set(result.final) and result.settings["style_weights"] == [0.75, 0.25]


def test_masks_need_the_gram_loss_and_a_bad_name_is_named(content64, style64):
    with pytest.raises(SettingsError, match="masks are defined for style_loss='gram' only"):
        helpers.stylize(content64, style64, style_loss="mean_std", masks=[torch.ones(48, 64)])
    with pytest.raises(SettingsError, match="unknown style_loss 'wasserstein': use 'gram', 'mean_std'"):
        helpers.stylize(content64, style64, style_loss="wasserstein")


def test_a_statistic_of_your_own(content64, style64):
    class MeanOnly(StyleStatistic):
        name = "mean_only"
        default_ratio = 1e-6

        def target(self, features, positions):
            return features.flatten(2).mean(2)

        def loss(self, features, target):
            return (features.flatten(2).mean(2) - target).pow(2).sum()

    result = helpers.stylize(content64, style64, style_loss=MeanOnly(), size=48, steps=3, progress=False)
    assert result.settings["style_loss"] == "MeanOnly()" and result.settings["ratio"] == 1e-6
    assert isinstance(style_statistic(MeanStdStatistic()), MeanStdStatistic)
