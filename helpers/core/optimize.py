"""The optimisation loop: L-BFGS (the paper's) or Adam on the pixels, with history and safety nets.

Each *step* is one loss-and-gradient evaluation, so runs with different optimisers compare at equal
cost. The loop keeps the best image seen; Ctrl-C, a callback's :class:`StopOptimization` and a
NaN or infinite loss end it early and still return that image.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import torch
from tqdm.auto import tqdm

from ..base.errors import SettingsError, StopOptimization
from .result import Result

Callback = Callable[[int, torch.Tensor, dict], Any]
#: How :func:`run_jobs` reports: ``True`` a progress bar, ``False`` nothing, or a function called
#: after each run with ``(desc, key, index, total, result)``.
Progress = bool | Callable[[str, str, int, int, Result], None]

OPTIMIZERS = ("lbfgs", "adam")
#: Default learning rates, for pixels in [0, 1]. L-BFGS scales its own steps after the first.
DEFAULT_LR = {"lbfgs": 1.0, "adam": 0.02}
# L-BFGS with a strong-Wolfe line search: without it, the first steps can overshoot to an
# infinite loss from some starts; with it, 300 evaluations reach the same or a lower loss.
LINE_SEARCH = "strong_wolfe"
HISTORY_SIZE = 100
#: Adam has diverged when the loss exceeds its first value this many times: its steps move each
#: pixel by about lr, so it never comes back (measured: lr=10 gives 3e7 and stays there). L-BFGS
#: is exempt: its line search may try such points and then recover.
ADAM_BLOWUP = 1e6


def check_steps(steps: object) -> int:
    """``steps`` as a positive whole number, or a one-line SettingsError."""
    try:
        value = float(steps)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SettingsError(f"steps must be a whole number such as 300, got {steps!r}") from None
    if not math.isfinite(value) or value != int(value) or value < 1:
        raise SettingsError(f"steps must be at least 1 (a whole number such as 300), got {steps!r}")
    return int(value)


class _Diverged(Exception):  # noqa: N818
    pass


def optimize(
    objective: Callable[[torch.Tensor], tuple[torch.Tensor, dict[str, torch.Tensor]]],
    x0: torch.Tensor,
    *,
    steps: int,
    optimizer: str = "lbfgs",
    lr: float | None = None,
    callback: Callback | None = None,
    progress: bool = True,
    settings: dict | None = None,
    step_offset: int = 0,
    history_size: int = HISTORY_SIZE,
    line_search: str | None = LINE_SEARCH,
) -> Result:
    """Minimise ``objective`` over the pixels of ``x0`` for ``steps`` loss evaluations.

    Keeps the best image seen. Ctrl-C (``KeyboardInterrupt``), a callback raising
    :class:`StopOptimization`, or a NaN/infinite loss end the run early and still return that
    best image, with ``stopped`` and ``message`` saying what happened. ``history_size`` and
    ``line_search`` (``"strong_wolfe"`` or ``None``: a fixed step ``lr``) tune L-BFGS; the
    benchmarks measure them (benchmarks/time_to_picture.py), nothing else changes them.
    """
    lr = DEFAULT_LR[optimizer] if lr is None else lr
    x = x0.detach().clone().requires_grad_(True)
    history: list[dict] = []
    best = {"loss": math.inf, "image": x0.detach().clone(), "step": 0}
    start = time.perf_counter()
    bar = tqdm(total=steps, disable=not progress, desc="stylize", unit="step", leave=False)

    def closure() -> torch.Tensor:
        if len(history) >= steps:  # L-BFGS may ask once more than the budget; do not overrun
            raise StopOptimization
        opt.zero_grad(set_to_none=True)
        total, terms = objective(x)
        value = float(total.detach())
        step = step_offset + len(history) + 1
        entry = {"step": step, **{k: float(v.detach()) for k, v in terms.items()}, "total": value}
        first = history[0]["total"] if history else None
        blown_up = optimizer == "adam" and first is not None and first > 0 and value > ADAM_BLOWUP * first
        if not math.isfinite(value) or blown_up:
            entry["seconds"] = time.perf_counter() - start
            history.append(entry)
            raise _Diverged
        total.backward()
        if value < best["loss"]:
            best.update(loss=value, image=x.detach().clone(), step=step)
        entry["seconds"] = time.perf_counter() - start
        history.append(entry)
        bar.update(1)
        if bar.n % 10 == 0 or bar.n == steps:
            bar.set_postfix(loss=f"{value:.4g}", refresh=False)
        if callback is not None:
            callback(step, x.detach().clamp(0, 1), entry)
        return total

    stopped, message = None, f"finished {steps} steps"
    opt = _optimizer(optimizer, x, lr, steps, history_size, line_search)
    try:
        if optimizer == "lbfgs":
            while len(history) < steps:  # LBFGS.step stops on its own only at max_eval
                opt.step(closure)
        else:
            for _ in range(steps):
                opt.step(closure)
    except StopOptimization:
        if len(history) < steps:
            stopped, message = "stopped", f"stopped after {len(history)} of {steps} steps"
    except KeyboardInterrupt:
        stopped, message = "interrupted", f"interrupted after {len(history)} of {steps} steps"
    except _Diverged:
        stopped, message = "diverged", _divergence_message(history, optimizer, lr)
    finally:
        bar.close()
    if stopped and best["step"]:
        message += f"; returning the best image so far (step {best['step']})"
    elif not stopped and len(history) >= 10 and best["step"] == step_offset + 1:
        message += f"; the loss never fell below its starting value: lower lr (now {lr:g})"
    image = best["image"].detach().clamp(0, 1).float().cpu()
    settings = dict(settings or {})
    return Result(image, history, settings, stopped=stopped, message=message, best_step=best["step"])


def _optimizer(
    name: str, x: torch.Tensor, lr: float, steps: int, history_size: int, line_search: str | None
) -> torch.optim.Optimizer:
    """L-BFGS that evaluates the loss exactly ``steps`` times (no early stop), or Adam."""
    if name == "adam":
        return torch.optim.Adam([x], lr=lr)
    return torch.optim.LBFGS(
        [x],
        lr=lr,
        max_iter=steps * 2,
        max_eval=steps,
        history_size=history_size,
        tolerance_grad=-1.0,
        tolerance_change=-1.0,
        line_search_fn=line_search,
    )


def _divergence_message(history: list[dict], optimizer: str, lr: float) -> str:
    """One line: where the loss went non-finite (or blew up) and which setting to lower."""
    last = history[-1]
    if len(history) == 1:
        return (
            f"the loss is {last['total']:g} for the starting image, before any step: lower ratio, "
            "tv_weight, layer_weights or style_weights (the weighted loss overflows float32)"
        )
    default = DEFAULT_LR[optimizer]
    return (
        f"the loss jumped from {history[0]['total']:.4g} (step {history[0]['step']}) to "
        f"{last['total']:.4g} at step {last['step']}: lower lr (now {lr:g}; the default for "
        f"{optimizer} is {default:g})"
    )


def run_jobs(jobs: dict, progress: Progress, desc: str) -> dict:
    """Run several optimisations in order: ``{key: job}`` -> ``{key: job()}``.

    Each job is a function returning a :class:`Result`. Ctrl-C stops them all (not just the
    run it interrupted, which :func:`optimize` ends quietly): a figure or a sweep is one task.
    """
    results = {}
    bar = tqdm(jobs.items(), desc=desc, disable=progress is not True, unit="image")
    for i, (key, job) in enumerate(bar, start=1):
        result = job()
        if result.stopped == "interrupted":
            raise KeyboardInterrupt
        results[key] = result
        if callable(progress):
            progress(desc, str(key), i, len(jobs), result)
    return results
