"""Coarse to fine (Gatys et al. 2017, Sec. 5): optimise small, upsample, continue larger.

A step at 1024 px costs about 16 times one at 256 px, and most of what the optimiser does in its
first few hundred steps (placing colours and large shapes) needs no fine detail. So
``stylize(..., scales=[256, 512, 1024])`` optimises at 256 px from noise, upsamples the result
(bicubic) to 512 px as the starting image there, continues, and so on: the last scale only has to
add fine detail. Judged by the loss at the final size alone, it is no faster on a CPU (measured
for notebook 09: a single-scale run reached the same loss in 0.7-0.9 times the time at 256 and
512 px); what it buys is structure larger than the network's receptive fields at the final size
(Van Gogh's large swirls rather than small repeated strokes), which a run from noise at a large
size cannot build. That is why it is the route to large images on modest hardware.

Steps: ``steps`` as an int runs that many at **every** scale; a list gives each scale its own
count (e.g. ``steps=[300, 100, 50]``: many cheap steps small, few expensive ones large). Every
other setting applies at each scale, with ``style_scale`` relative to each scale's size, so the
brush strokes keep their size relative to the image. The history runs on, step numbers and
seconds continuing, with each entry's ``size``; losses of different scales are not comparable
(the content loss sums over positions).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from ..base.errors import SettingsError
from ..core.result import Result
from ..imaging.images import MIN_SIDE, resize


def check_scales(scales: Sequence[int], steps: int | Sequence[int]) -> tuple[list[int], list[int]]:
    """Scales (longer sides, increasing) and the steps at each; one-line errors otherwise."""
    if isinstance(scales, (int, float)) or not len(scales):
        raise SettingsError("scales must be a list of sizes, e.g. scales=[256, 512]")
    sizes = [int(s) for s in scales]
    if any(s < MIN_SIDE for s in sizes) or sizes != sorted(sizes):
        raise SettingsError(f"scales must be increasing sizes of at least {MIN_SIDE} px, got {list(scales)}")
    counts = [int(steps)] * len(sizes) if isinstance(steps, (int, float)) else [int(s) for s in steps]
    if len(counts) != len(sizes):
        raise SettingsError(f"{len(counts)} step counts for {len(sizes)} scales: give one per scale")
    if any(c <= 0 for c in counts):
        raise SettingsError(f"every scale needs at least 1 step, got {counts}")
    return sizes, counts


def stage_shape(size: int, final: tuple[int, int] | None) -> tuple[int, int] | None:
    """The (H, W) at ``size`` for an output of exact shape ``final`` (None: follow the content)."""
    if final is None:
        return None
    h, w = final
    k = size / max(h, w)
    return max(1, round(h * k)), max(1, round(w * k))


def coarse_to_fine(run: Callable[[Any], Result], settings: Any) -> Result:
    """Run ``run(settings)`` once per scale of ``settings.scales``, each from the last one's image.

    ``settings`` are :func:`helpers.stylize`'s (a frozen dataclass: each scale gets a copy by
    ``dataclasses.replace`` with that scale's ``size``, ``steps``, ``shape``, starting image and
    callback, and ``scales=None``); ``run`` is the single-scale run. ``size`` is ignored (the last
    scale is the output's size) and ``init`` applies to the first scale only. Stops early, with the
    best image so far, when a scale is stopped, interrupted or diverges.
    """
    sizes, counts = check_scales(settings.scales, settings.steps)
    callback, init = settings.callback, settings.init
    history: list[dict] = []
    result: Result | None = None
    start = time.perf_counter()
    for size, steps in zip(sizes, counts):
        offset, seconds = len(history), time.perf_counter() - start

        def forward(step, image, losses, offset=offset):
            if callback is not None:
                callback(step + offset, image, losses)

        shape = stage_shape(size, settings.shape)
        if result is not None:
            previous = result.image
            if shape is None:  # follow the content's aspect ratio, as stylize will
                shape = stage_shape(size, tuple(previous.shape[-2:]))
            init = resize(previous, shape)
        stage = replace(
            settings, scales=None, size=size, steps=steps, shape=shape, init=init, callback=forward
        )
        result = run(stage)
        history += [
            {**e, "step": e["step"] + offset, "seconds": e["seconds"] + seconds, "size": size}
            for e in result.history
        ]
        if result.stopped:
            break
    assert result is not None
    result_settings = {**result.settings, "scales": sizes, "steps": counts, "size": sizes[-1]}
    return Result(
        image=result.image,
        history=history,
        settings=result_settings,
        stopped=result.stopped,
        message=(f"scale {size} px: " if len(sizes) > 1 else "") + result.message,
        best_step=result.best_step + offset,
    )
