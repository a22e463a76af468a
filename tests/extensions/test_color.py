"""Colour preservation (Gatys et al. 2016b): luminance-only transfer and colour-histogram matching."""

from __future__ import annotations

import pytest
import torch

import helpers
from helpers.base.errors import SettingsError
from helpers.extensions.color import (
    chroma_correlation,
    color_statistics,
    luminance,
    match_color,
    match_luminance,
    rgb_to_yiq,
    yiq_to_rgb,
)


def _run(content, style, **kw):
    kw = {"size": 64, "steps": 20, "progress": False, "device": "cpu", **kw}
    return helpers.stylize(content, style, **kw)


def _blobs(colour, seed, size=64):
    """Smooth random colour blobs around ``colour`` (a full-rank colour covariance)."""
    g = torch.Generator().manual_seed(seed)
    noise = torch.nn.functional.interpolate(
        torch.rand(1, 3, 8, 8, generator=g), size=(size, size), mode="bicubic"
    )
    return (torch.tensor(colour).view(1, 3, 1, 1) + 0.4 * (noise - 0.5)).clamp(0, 1)


def test_yiq_round_trip_and_grey_has_no_chroma(content64):
    assert torch.allclose(yiq_to_rgb(rgb_to_yiq(content64)), content64, atol=1e-6)
    grey = luminance(content64).expand(-1, 3, -1, -1)
    assert rgb_to_yiq(grey)[:, 1:].abs().max() < 1e-6


def test_match_luminance_takes_the_contents_mean_and_std(content64, style64):
    matched = match_luminance(style64 * 0.5 + 0.4, content64)
    assert torch.allclose(matched[:, 0], matched[:, 1]) and torch.allclose(matched[:, 0], matched[:, 2])
    lm, lc = luminance(matched), luminance(content64)
    assert lm.mean().item() == pytest.approx(lc.mean().item(), abs=2e-3)
    assert lm.std().item() == pytest.approx(lc.std().item(), rel=2e-2)


@pytest.mark.parametrize("transform", ["sqrt", "cholesky"])
def test_match_color_takes_the_contents_mean_and_covariance(content64, style64, transform):
    # Moderate colours, so that clamping to [0, 1] does not change the statistics; blobs, because
    # style64's red and green are perfectly anti-correlated (a singular covariance).
    source = _blobs((0.5, 0.5, 0.5), seed=0, size=48)
    target = 0.25 + 0.5 * content64[..., :48, :48]
    out = match_color(source, target, transform)
    mu, cov = color_statistics(out)
    mu_t, cov_t = color_statistics(target)
    assert torch.allclose(mu, mu_t, atol=2e-3)
    assert torch.allclose(cov, cov_t, atol=2e-3)
    mu_s, cov_s = color_statistics(source)
    assert (cov_s - cov_t).norm() > 10 * (cov - cov_t).norm()  # it did change something


def test_luminance_mode_keeps_the_contents_colour(content64, style64):
    plain = _run(content64, style64)
    kept = _run(content64, style64, preserve_color="luminance")
    r_plain, r_kept = chroma_correlation(plain.image, content64), chroma_correlation(kept.image, content64)
    # measured: about 0.99 with, about 0.0 without
    assert r_kept > 0.95 and r_kept > r_plain + 0.5
    assert kept.settings["preserve_color"] == "luminance"
    assert kept.final["total"] < kept.history[0]["total"]


def test_histogram_mode_gives_the_output_the_contents_colour_statistics(content64):
    """A warm style on a cool photo: without the matching the output takes the style's palette,
    with it the content's (distance of colour mean and covariance). Shallow layers only: colour
    is set by them, and 40 steps then suffice."""
    warm = _blobs((0.8, 0.5, 0.15), seed=1)

    def distance(image, reference):
        (mu, cov), (mu_r, cov_r) = color_statistics(image), color_statistics(reference)
        return float((mu - mu_r).norm() + (cov - cov_r).norm())

    kw = {"steps": 40, "style_layers": ["conv1_1", "conv2_1"], "content_layers": ["conv2_1"]}
    plain = _run(content64, warm, **kw)
    matched = _run(content64, warm, preserve_color="histogram", **kw)
    # measured: 0.13 with, 0.35 without
    assert distance(matched.image, content64) < 0.5 * distance(plain.image, content64)
    assert distance(matched.image, content64) < distance(matched.image, warm)
    assert distance(plain.image, warm) < distance(plain.image, content64)


def test_luminance_mode_callback_sees_the_coloured_image(content64, style64):
    seen = []
    _run(
        content64, style64, steps=3, preserve_color="luminance", callback=lambda s, x, losses: seen.append(x)
    )
    assert chroma_correlation(seen[-1], content64) > 0.9


def test_preserve_color_needs_a_content_image_and_a_known_mode(style64, content64):
    with pytest.raises(SettingsError, match="content image"):
        _run(None, style64, preserve_color="luminance")
    with pytest.raises(SettingsError, match="unknown preserve_color"):
        _run(content64, style64, preserve_color="colour")
