"""Time to a good picture: the package's levers one by one against a plain L-BFGS loop.

The yardstick is a plain loop: float32, eager, the network frozen, the targets computed once,
L-BFGS with a strong-Wolfe line search and history 100, from the course's faint noise, at the
final size. Its loss after ``steps`` evaluations, +5%, is the target. Every other route runs until
its loss at the final size reaches the target (or its own budget ends) and reports the seconds it
took, compilation and smaller scales included, all in this one process. Its picture is compared
with the loop's by PSNR, against the PSNR between the loop and the same loop from another seed
(the spread that no one would call a different picture).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import torch

import helpers
from helpers.base.errors import StopOptimization
from helpers.core.optimize import optimize

CONTENT, STYLE = "tubingen", "starry_night"


def _loop(
    size: int,
    steps: int,
    seed: int,
    device: torch.device,
    target: float | None = None,
    start: str = "noise",
    **lbfgs,
):
    """The plain loop (the package's Objective, eager fp32, and L-BFGS as the paper has it), from
    faint noise or from the content photo; ``lbfgs``: history_size, line_search (one change)."""
    from benchmarks.run import ours_setup

    content = helpers.load_image(CONTENT, size)
    style = helpers.load_image(STYLE, size)
    objective = ours_setup(content, style, device, "fp32")
    x0 = helpers.noise_image(tuple(content.shape[-2:]), seed=seed) if start == "noise" else content
    began = time.perf_counter()
    result = optimize(
        objective, x0.to(device), steps=steps, progress=False, callback=_stop_at(target, size), **lbfgs
    )
    return result, time.perf_counter() - began


def _stop_at(target: float | None, size: int):
    """A callback that stops a run once its loss at the final ``size`` is at most ``target``."""

    def callback(step, image, losses):
        if target is not None and max(image.shape[-2:]) == size and losses["total"] <= target:
            raise StopOptimization

    return callback


def _reached(result, target: float, size: int) -> tuple[float | None, int | None]:
    """Seconds and evaluations (every scale's) to the first loss at the final size within the
    target; ``(None, None)`` if the run never got there."""
    for i, h in enumerate(result.history, start=1):
        if h.get("size", size) == size and h["total"] <= target:
            return h["seconds"], i
    return None, None


def _seconds_to(result, target: float, size: int) -> tuple[float | None, int]:
    """Seconds to the target, and the evaluations the run made in all."""
    return _reached(result, target, size)[0], len(result.history)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = torch.mean((a.float() - b.float()) ** 2).item()
    return 10 * math.log10(1.0 / max(mse, 1e-12))


def routes(size: int, steps: int, device: torch.device) -> dict[str, dict]:
    """The package's defaults first (so that they pay any compilation themselves), then the levers
    that are not among them one at a time; each a set of :func:`helpers.stylize` options.

    Precision is a lever only where bf16 is native (elsewhere "auto" is float32, as in the loop).
    Last, two routes that are not defaults: the defaults over coarse to fine's scales, and the
    defaults from the content photo (the paper starts from noise: an image start biases the layout).
    """
    from benchmarks.run import native_precision

    out = {"package defaults (compile and precision automatic)": dict(size=size)}
    if native_precision(device) == "bf16":
        out["precision alone (bf16), eager"] = dict(size=size, compile=False)
    alone = scale_routes(size, steps)
    out.update(alone)
    widest = list(alone.values())[-1]["scales"]
    out[f"defaults over {' -> '.join(map(str, widest))} px"] = dict(
        scales=widest, steps=[steps // 3] * (len(widest) - 1) + [steps]
    )
    out["defaults from the content photo (not a default)"] = dict(size=size, init="content")
    return out


def scale_routes(size: int, steps: int) -> dict[str, dict]:
    """Coarse to fine over two and three scales (eager fp32, so that only the route differs):
    ``steps // 3`` evaluations at each smaller scale, then up to ``steps`` at the final size."""
    half, quarter = size // 2, size // 4
    eager = dict(compile=False, precision="fp32")
    out = {
        f"coarse to fine alone ({half} -> {size} px), eager fp32": dict(
            scales=[half, size], steps=[steps // 3, steps], **eager
        )
    }
    if quarter >= 32:
        out[f"three scales ({quarter} -> {half} -> {size} px), eager fp32"] = dict(
            scales=[quarter, half, size], steps=[steps // 3, steps // 3, steps], **eager
        )
    return out


#: Changes to the plain loop, one at a time: L-BFGS's memory, its line search, the start.
LOOP_VARIANTS = {
    "history 5": dict(history_size=5),
    "history 20": dict(history_size=20),
    "history 50": dict(history_size=50),
    "no line search (fixed step lr = 1)": dict(line_search=None),
    "the content photo as the start": dict(start="content"),
}


def section_evaluations(size: int, steps: int, device: torch.device) -> dict:
    """Evaluations to the plain loop's loss (+5%) for each change to the loop and for coarse to
    fine; seconds too, and the PSNR of each picture against the loop's and another seed's."""
    print(f"\n## evaluations: to a fixed loss, {CONTENT} x {STYLE}, {size} px, {device}, fp32 eager")
    loop, _ = _loop(size, steps, 0, device)
    target = 1.05 * loop.final["total"]
    print(f"target: total loss <= {target:.4g} (the plain loop's after {steps} evaluations, +5%)")
    runs = {"plain loop: history 100, strong Wolfe, faint noise": loop}
    runs["the same loop, seed 1"] = _loop(size, steps, 1, device, target)[0]
    for name, options in LOOP_VARIANTS.items():
        runs[name] = _loop(size, steps, 0, device, target, **options)[0]
    for name, options in scale_routes(size, steps).items():
        runs[name] = helpers.stylize(
            CONTENT, STYLE, progress=False, device=device, callback=_stop_at(target, size), **options
        )
    print(f"{'route':52} {'evaluations':>12} {'seconds':>8} {'PSNR vs loop':>13}")
    rows = {}
    for name, result in runs.items():
        seconds, evaluations = _reached(result, target, size)
        db = None if result is loop else psnr(loop.image, result.image)
        rows[name] = dict(evaluations=evaluations, seconds=seconds, psnr_db=db, stopped=result.stopped)
        if evaluations is None:
            shown = "diverged" if result.stopped == "diverged" else f"> {len(result.history)}"
            print(f"{name:52} {shown:>12} {'':>8} {'' if db is None else f'{db:.1f} dB':>13}")
        else:
            print(f"{name:52} {evaluations:12d} {seconds:8.1f} {'' if db is None else f'{db:.1f} dB':>13}")
    return {"target": target, "rows": rows}


def section_goal(size: int, steps: int, device: torch.device, picture: Path | None = None) -> dict:
    """Seconds to the plain loop's loss (+5%) for each route; PSNR against the loop's picture."""
    print(f"\n## goal: seconds to a fixed loss, {CONTENT} x {STYLE}, {size} px, {device}")
    loop, loop_seconds = _loop(size, steps, 0, device)
    target = 1.05 * loop.final["total"]
    loop_at, _ = _seconds_to(loop, target, size)
    other, _ = _loop(size, steps, 1, device, target)
    print(f"target: total loss <= {target:.4g} (the plain loop's after {steps} evaluations, +5%)")
    other_at, _ = _seconds_to(other, target, size)
    rows = {
        "plain loop (fp32, eager), seed 0": (loop_at, len(loop.history), None),
        "plain loop, seed 1": (other_at, len(other.history), psnr(loop.image, other.image)),
    }
    pictures = [loop.image, other.image]
    for name, options in routes(size, steps, device).items():
        options = {"steps": steps, "progress": False, "device": device, **options}
        result = helpers.stylize(CONTENT, STYLE, callback=_stop_at(target, size), **options)
        seconds, evaluations = _seconds_to(result, target, size)
        rows[name] = (seconds, evaluations, psnr(loop.image, result.image))
        pictures.append(result.image)
        print(
            f"  {name}: {seconds} s, {evaluations} evaluations, {result.settings['precision']}, "
            f"compiled {result.settings['compile']}",
            flush=True,
        )
    print(f"{'route':52} {'seconds':>8} {'speed-up':>9} {'evaluations':>12} {'PSNR vs loop':>13}")
    for name, (seconds, evaluations, db) in rows.items():
        shown = "not reached" if seconds is None else f"{seconds:8.1f}"
        ratio = "" if seconds is None or loop_at is None else f"{loop_at / seconds:8.2f}x"
        print(f"{name:52} {shown:>8} {ratio:>9} {evaluations:12d} {'' if db is None else f'{db:.1f} dB':>13}")
    print(
        f"the loop's {steps} evaluations took {loop_seconds:.1f} s; it reached the target at {loop_at:.1f} s"
    )
    if picture is not None:
        helpers.save_image(torch.cat(pictures, dim=-1), picture)
        print(f"side by side, in the order above: {picture}")
    return {"target": target, "rows": rows, "loop_seconds": loop_seconds}


def section_large(
    scales: list[int], steps: list[int], device: torch.device, picture: Path | None = None
) -> dict:
    """The course's route to a large picture (notebook 09's ``scales=[256, 512, 1024]``, ``steps=
    [300, 100, 50]``) with the package's defaults, in a process of its own so that its peak
    resident memory is the route's alone: seconds at each scale, peak memory, the picture."""
    from benchmarks.run import ROOT

    print(f"\n## large: coarse to fine {' -> '.join(map(str, scales))} px, {steps} evaluations, {device}")
    code = f"""
import json, torch, helpers
from benchmarks.run import peak_rss_mib
device = torch.device({str(device)!r})
r = helpers.stylize({CONTENT!r}, {STYLE!r}, scales={scales!r}, steps={steps!r}, progress=False, device=device)
gpu = torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else None
picture = {None if picture is None else str(picture)!r}
if picture is not None:
    helpers.save_image(r.image, picture)
ends = {{h["size"]: h["seconds"] for h in r.history}}
print(json.dumps(dict(ends=ends, peak_rss_mib=peak_rss_mib(), gpu_mib=gpu, evaluations=len(r.history),
    loss=r.final["total"], precision=r.settings["precision"], compile=r.settings["compile"])))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    before = 0.0
    for size, end in found["ends"].items():
        print(f"  {size} px: {end - before:7.1f} s")
        before = end
    gpu = "" if found["gpu_mib"] is None else f", GPU memory {found['gpu_mib']:.0f} MiB"
    print(
        f"all scales: {before:.1f} s for {found['evaluations']} evaluations ({found['precision']}, compiled "
        f"{found['compile']}), final loss {found['loss']:.4g}; peak RSS {found['peak_rss_mib']:.0f} MiB{gpu}"
    )
    if picture is not None:
        print(f"the picture: {picture}")
    return found
