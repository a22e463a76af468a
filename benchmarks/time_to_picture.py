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

import math
import time
from pathlib import Path

import torch

import helpers
from helpers.base.errors import StopOptimization
from helpers.core.optimize import optimize

CONTENT, STYLE = "tubingen", "starry_night"


def _loop(size: int, steps: int, seed: int, device: torch.device, target: float | None = None):
    """The plain loop (the package's Objective, eager fp32, and L-BFGS as the paper has it)."""
    from benchmarks.run import ours_setup

    content = helpers.load_image(CONTENT, size)
    style = helpers.load_image(STYLE, size)
    objective = ours_setup(content, style, device, "fp32")
    x0 = helpers.noise_image(tuple(content.shape[-2:]), seed=seed).to(device)
    start = time.perf_counter()
    result = optimize(objective, x0, steps=steps, progress=False, callback=_stop_at(target, size))
    return result, time.perf_counter() - start


def _stop_at(target: float | None, size: int):
    """A callback that stops a run once its loss at the final ``size`` is at most ``target``."""

    def callback(step, image, losses):
        if target is not None and max(image.shape[-2:]) == size and losses["total"] <= target:
            raise StopOptimization

    return callback


def _seconds_to(result, target: float, size: int) -> tuple[float | None, int]:
    final = [h for h in result.history if h.get("size", size) == size]
    hit = next((h for h in final if h["total"] <= target), None)
    return (None if hit is None else hit["seconds"]), len(result.history)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = torch.mean((a.float() - b.float()) ** 2).item()
    return 10 * math.log10(1.0 / max(mse, 1e-12))


def routes(size: int, steps: int, device: torch.device) -> dict[str, dict]:
    """The package's defaults first (so that they pay any compilation themselves), then the levers
    that are not among them one at a time; each a set of :func:`helpers.stylize` options.

    Precision is a lever only where bf16 is native (elsewhere "auto" is float32, as in the loop).
    """
    from benchmarks.run import native_precision

    half = size // 2
    out = {"package defaults (compile and precision automatic)": dict(size=size)}
    if native_precision(device) == "bf16":
        out["precision alone (bf16), eager"] = dict(size=size, compile=False)
    out[f"coarse to fine alone ({half} -> {size} px), eager fp32"] = dict(
        scales=[half, size], steps=[steps // 3, steps], compile=False, precision="fp32"
    )
    return out


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
