"""What coarse to fine saves, measured (notebook 09): a multi-scale run against a single-scale run
at its final size. The scheme itself is :mod:`helpers.extensions.multiscale`; this sits on the
synthesis floor because it calls :func:`helpers.stylize`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..base.errors import StopOptimization
from ..core.result import Result
from .stylize import stylize


def time_to_loss(
    run: Callable[..., Result], content, style, *, size: int, target: float, max_steps: int, **kwargs
) -> tuple[float | None, int, Result]:
    """Seconds and steps a single-scale run at ``size`` needs to bring its total loss to ``target``.

    Returns ``(None, max_steps, result)`` when it does not get there within ``max_steps``.
    """
    reached: dict = {}

    def watch(step, image, losses):
        if losses["total"] <= target:
            reached.update(step=step, seconds=losses["seconds"])
            raise StopOptimization

    result = run(content, style, size=size, steps=max_steps, callback=watch, progress=False, **kwargs)
    if reached:
        return reached["seconds"], reached["step"], result
    return None, len(result.history), result


def compare_to_single_scale(
    content,
    style,
    *,
    scales: Sequence[int] = (128, 256),
    steps: int | Sequence[int] = (200, 50),
    max_steps: int = 1000,
    **kwargs,
) -> dict:
    """The time coarse to fine saves: a multi-scale run, then a single-scale run at the last size
    until it reaches the same total loss (or ``max_steps``). Prints and returns the numbers.

    Timings include contention from anything else running on the machine: compare them on an
    idle one. ``kwargs`` go to both runs (``ratio``, ``seed``, ``device`` ...).
    """
    multi = stylize(content, style, scales=list(scales), steps=steps, progress=False, **kwargs)
    target = multi.final["total"]
    t_multi = multi.seconds
    t_single, steps_single, single = time_to_loss(
        stylize, content, style, size=int(scales[-1]), target=target, max_steps=max_steps, **kwargs
    )
    out = {
        "scales": list(scales),
        "steps": multi.settings["steps"],
        "target_loss": target,
        "multi_seconds": t_multi,
        "single_seconds": t_single,
        "single_steps": steps_single,
        "single_reached": t_single is not None,
        "single_best_loss": min(single.losses()),
        "speedup": (t_single / t_multi) if t_single else None,
        "multi": multi,
        "single": single,
    }
    if t_single is None:
        print(
            f"coarse to fine {list(scales)}: loss {target:.4g} in {t_multi:.1f} s; a single "
            f"{scales[-1]} px run did not reach it in {steps_single} steps ({single.seconds:.1f} s, "
            f"best {out['single_best_loss']:.4g}): saved more than {single.seconds - t_multi:.1f} s"
        )
    else:
        print(
            f"coarse to fine {list(scales)}: loss {target:.4g} in {t_multi:.1f} s; a single "
            f"{scales[-1]} px run needed {steps_single} steps and {t_single:.1f} s: "
            f"{t_single / t_multi:.1f}x the time ({t_single - t_multi:+.1f} s)"
        )
    return out
