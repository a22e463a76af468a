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

from .errors import StopOptimization
from .result import Result

Callback = Callable[[int, torch.Tensor, dict], Any]

OPTIMIZERS = ("lbfgs", "adam")
#: Default learning rates, for pixels in [0, 1]. L-BFGS scales its own steps after the first.
DEFAULT_LR = {"lbfgs": 1.0, "adam": 0.02}
# L-BFGS with a strong-Wolfe line search: without it, the first steps can overshoot to an
# infinite loss from some starts; with it, 300 evaluations reach the same or a lower loss.
LINE_SEARCH = "strong_wolfe"
HISTORY_SIZE = 100


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
) -> Result:
    """Minimise ``objective`` over the pixels of ``x0`` for ``steps`` loss evaluations.

    Keeps the best image seen. Ctrl-C (``KeyboardInterrupt``), a callback raising
    :class:`StopOptimization`, or a NaN/infinite loss end the run early and still return that
    best image, with ``stopped`` and ``message`` saying what happened.
    """
    from tqdm.auto import tqdm

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
        if not math.isfinite(value):
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
    if optimizer == "lbfgs":
        opt: torch.optim.Optimizer = torch.optim.LBFGS(
            [x],
            lr=lr,
            max_iter=steps * 2,
            max_eval=steps,
            history_size=HISTORY_SIZE,
            tolerance_grad=-1.0,
            tolerance_change=-1.0,
            line_search_fn=LINE_SEARCH,
        )
    else:
        opt = torch.optim.Adam([x], lr=lr)
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
        knob = "lr" if optimizer == "adam" else "lr, or use optimizer='lbfgs' with a smaller ratio"
        stopped = "diverged"
        message = (
            f"the loss became {history[-1]['total']} at step {history[-1]['step']}: lower {knob} (now {lr:g})"
        )
    finally:
        bar.close()
    if stopped and best["step"]:
        message += f"; returning the best image so far (step {best['step']})"
    image = best["image"].detach().clamp(0, 1).float().cpu()
    return Result(
        image=image,
        history=history,
        settings=dict(settings or {}),
        stopped=stopped,
        message=message,
        best_step=best["step"],
    )
