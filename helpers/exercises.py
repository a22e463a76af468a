"""Checks for the notebooks' exercises: ``check_…(your_function)`` tests a learner's answer
against the package's tested version and says, in words, what is wrong.

Each check returns ``True`` when the answer is right and prints one line either way, so it can
end a notebook cell. It never raises on a wrong answer (a learner's exception is reported too).
"""

from __future__ import annotations

from collections.abc import Callable

import torch


class Feedback:
    """Collects the first thing that is wrong with an answer."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problem: str | None = None

    def fail(self, message: str) -> bool:
        if self.problem is None:
            self.problem = message
        return False

    def report(self) -> bool:
        if self.problem is None:
            print(f"✓ {self.name}: correct")
            return True
        print(f"✗ {self.name}: {self.problem}")
        return False


def _call(feedback: Feedback, fn: Callable, *args) -> object:
    try:
        return fn(*args)
    except Exception as exc:  # the learner's code raised: say what, not a traceback
        feedback.fail(f"your function raised {type(exc).__name__}: {exc}")
        return None


def _compare(feedback: Feedback, got: object, expected: torch.Tensor, what: str, rtol: float = 1e-4) -> bool:
    """Shape, then values; the message says which differs and by how much."""
    if got is None:
        return False
    if not isinstance(got, torch.Tensor):
        return feedback.fail(f"{what} should be a torch.Tensor, got {type(got).__name__}")
    if got.shape != expected.shape:
        return feedback.fail(f"{what} has shape {list(got.shape)}, expected {list(expected.shape)}")
    if not torch.allclose(got.double(), expected.double(), rtol=rtol, atol=1e-6):
        ratio = (got.double().abs().sum() / expected.double().abs().sum().clamp_min(1e-30)).item()
        return feedback.fail(
            f"{what} has the right shape but wrong values (sum ratio {ratio:.4g} to the expected)"
        )
    return True
