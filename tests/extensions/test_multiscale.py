"""Coarse to fine: optimise small, upsample, continue at the next scale."""

from __future__ import annotations

import pytest
import torch

import helpers
from helpers.base.errors import SettingsError, StopOptimization
from helpers.imaging.images import resize


def _run(content, style, **kw):
    kw = {"progress": False, "device": "cpu", **kw}
    return helpers.stylize(content, style, **kw)


def test_history_runs_on_across_scales(content64, style64):
    result = _run(content64, style64, scales=[48, 64], steps=[6, 4])
    assert [e["step"] for e in result.history] == list(range(1, 11))
    assert [e["size"] for e in result.history] == [48] * 6 + [64] * 4
    seconds = [e["seconds"] for e in result.history]
    assert seconds == sorted(seconds)
    assert result.image.shape == (1, 3, 48, 64)
    assert result.settings["scales"] == [48, 64] and result.settings["steps"] == [6, 4]
    assert 7 <= result.best_step <= 10  # the returned image is from the last scale
    # each scale lowers its own loss (the best evaluation, not the last: that may be a line-search trial)
    totals = [e["total"] for e in result.history]
    assert min(totals[1:6]) < totals[0]
    assert min(totals[7:]) < totals[6]


def test_each_scale_starts_from_the_previous_result_upsampled(content64, style64):
    first = _run(content64, style64, size=48, steps=6)
    seen = {}
    _run(
        content64, style64, scales=[48, 64], steps=[6, 2], callback=lambda s, x, losses: seen.setdefault(s, x)
    )
    assert torch.allclose(seen[7], resize(first.image, (48, 64)), atol=1e-6)


def test_an_int_step_count_applies_to_every_scale(content64, style64):
    result = _run(content64, style64, scales=[48, 56, 64], steps=2)
    assert [e["size"] for e in result.history] == [48, 48, 56, 56, 64, 64]


def test_a_stop_ends_every_scale_and_keeps_the_best_image(content64, style64):
    def stop(step, image, losses):
        if step == 3:
            raise StopOptimization

    result = _run(content64, style64, scales=[48, 64], steps=[5, 5], callback=stop)
    assert result.stopped == "stopped" and len(result.history) == 3
    assert result.image.shape[-1] == 48


@pytest.mark.parametrize(
    ("scales", "steps", "needle"),
    [
        ([64, 32], 2, "increasing"),
        ([8, 64], 2, "at least 16"),
        ([32, 64], [2], "one per scale"),
        (64, 2, "list"),
    ],
)
def test_bad_scales_are_one_line_errors(content64, style64, scales, steps, needle):
    with pytest.raises(SettingsError, match=needle):
        _run(content64, style64, scales=scales, steps=steps)
