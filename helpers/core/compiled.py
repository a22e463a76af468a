r"""Compiled kernels for an evaluation (:func:`torch.compile`), with eager PyTorch as the fallback.

What is compiled is :meth:`Objective.layer_losses <helpers.core.objective.Objective.layer_losses>`:
the pass through VGG19 and each layer's loss (Eq. 1 and Eq. 4), forward and backward. The
weights :math:`\alpha, \beta, w_l` (Eq. 5 and 7) are applied outside the graph, so a new ratio or
new layer weights reuse it. A graph belongs to one image shape (``dynamic=False``); torch keeps it
for the rest of the process, so every later run at that shape and those layers starts compiled.

``compile`` (the option of :func:`helpers.stylize`):

* ``True``: compile before the first evaluation;
* ``False``: eager;
* ``None`` (automatic): run eager, time the first evaluations, and compile only when the time it
  saves over the evaluations left exceeds its warm-up (:func:`pays`). A graph this process has
  already compiled costs no warm-up; after earlier runs at the same shape (a figure's panels, a
  sweep, a video's frames) another run as long as this one is expected to follow.

Where compilation fails (no C++ compiler, an unsupported platform) the run goes on eager after one
line (:class:`~helpers.base.errors.CompileWarning`), and later runs do not try again.
"""

from __future__ import annotations

import functools
import logging
import statistics
import time
import warnings
from collections import Counter

import torch

from ..base.errors import CompileWarning, one_line

#: Seconds that compiling the forward and backward graphs takes with an empty cache (measured on
#: a 2-core CPU: 43-48 s; 7-9 s when torch's on-disk cache already holds the kernels).
WARMUP_SECONDS = {"cpu": 40.0, "cuda": 40.0}
#: The share of an eager evaluation that compiled kernels save, by device and bf16 (measured on
#: CPUs, see benchmarks/RESULTS.md: 7-10% in float32, 34% in bf16; a guess on GPUs until measured).
SAVING = {("cpu", False): 0.10, ("cpu", True): 0.30, ("cuda", False): 0.3, ("cuda", True): 0.3}
#: Eager evaluations timed before the automatic choice (the first one also pays for allocation).
PROBE = 3

_clock = time.perf_counter  # (a name of its own, so that tests can stand in for the clock)
_compiled_keys: set[tuple] = set()  # graphs this process has compiled
_evaluations: Counter = Counter()  # eager evaluations spent per key, for the automatic choice
_unavailable: list[str] = []  # why compilation failed here, once per process


def pays(seconds_per_evaluation: float, evaluations_left: int, device: str, bf16: bool = False) -> bool:
    """Whether compiling now saves more time than its warm-up costs."""
    saving = SAVING.get((device, bf16), 0.3) * seconds_per_evaluation * evaluations_left
    return saving > WARMUP_SECONDS.get(device, 40.0)


@functools.cache
def _compiled():
    return torch.compile(_layer_losses, dynamic=False)


def _layer_losses(objective, image: torch.Tensor) -> dict[str, torch.Tensor]:
    return objective.layer_losses(image)


class CompiledLosses:
    """The ``evaluator`` of an objective: its layer losses, eager or compiled as ``mode`` says.

    ``steps`` is the run's budget of evaluations (the automatic choice weighs what is left of it).
    ``used`` says, after the run, whether compiled kernels did the work.
    """

    def __init__(self, objective, *, mode: bool | None, steps: int) -> None:
        self.objective, self.mode, self.steps = objective, mode, steps
        self.calls, self.stamps = 0, []
        self.used = False
        self.key: tuple | None = None

    def __call__(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        if self.key is None:
            self.key = _key(self.objective, image)
        self.calls += 1
        if not self.used and self._should_compile():
            self.used = self._warm_up(image)
        if self.used:
            return _compiled()(self.objective, image)
        self.stamps.append(_clock())
        _evaluations[self.key] += 1
        return self.objective.layer_losses(image)

    def _should_compile(self) -> bool:
        if self.mode is False or _unavailable:
            return False
        if self.mode is True or self.key in _compiled_keys:
            return True
        if len(self.stamps) != PROBE:  # decide once, after PROBE timed evaluations
            return False
        per_evaluation = statistics.median(b - a for a, b in zip(self.stamps, self.stamps[1:]))
        past = _evaluations[self.key] - PROBE  # earlier runs at this key: expect one more like them,
        left = self.steps - self.calls + 1 + min(past, self.steps)  # at most as long as this one
        return pays(per_evaluation, left, self.key[0], self.key[4])

    def _warm_up(self, image: torch.Tensor) -> bool:
        """Compile forward and backward on a copy of ``image``; on failure, one line and eager."""
        x = image.detach().clone().requires_grad_(True)
        quiet = logging.getLogger("torch.utils.cpp_extension")  # "No CUDA runtime is found": noise
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            losses = _compiled()(self.objective, x)
            torch.stack([v.float() for v in losses.values()]).sum().backward()
        except Exception as error:  # any failure of the compiler stack: run on, eager
            _unavailable.append(one_line(error))
            warnings.warn(
                f"torch.compile is not available here ({_unavailable[0][:160]}): running eager; "
                "compile=False skips the attempt",
                CompileWarning,
                stacklevel=2,
            )
            return False
        finally:
            quiet.setLevel(level)
        _compiled_keys.add(self.key)
        return True


def _key(objective, image: torch.Tensor) -> tuple:
    """What a compiled graph is specific to (:func:`pays` reads the device type and bf16)."""
    statistic = type(getattr(objective, "statistic", None)).__name__
    return (
        image.device.type,
        tuple(image.shape),
        type(objective).__name__,
        statistic,
        bool(getattr(objective, "bf16", False)),
        tuple(getattr(objective, "layers", ())),
        len(getattr(objective, "style_targets", ())),
    )


def compile_objective(objective, *, mode: bool | None, steps: int) -> CompiledLosses | None:
    """Give ``objective`` an evaluator that follows ``mode``; ``None`` when ``mode`` is False."""
    if mode is False:
        return None
    objective.evaluator = CompiledLosses(objective, mode=mode, steps=steps)
    return objective.evaluator
