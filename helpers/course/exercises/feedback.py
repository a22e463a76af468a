"""What every check shares: one message for the first thing that is wrong, and the comparisons."""

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
    if got is None:  # _call already said why, unless the learner's function returned None
        return feedback.fail(f"{what} is None: did you forget `return`?")
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


def _first_match(feedback: Feedback, got: object, candidates: dict[str, torch.Tensor]) -> bool:
    """Fail with the message of the first typical mistake that ``got`` reproduces exactly."""
    if not isinstance(got, torch.Tensor):
        return False
    for message, candidate in candidates.items():
        if got.shape == candidate.shape and torch.allclose(
            got.detach().double(), candidate.double(), rtol=1e-4, atol=1e-3
        ):
            return feedback.fail(message)
    return False


# Each check runs the learner's function on small random "responses" (post-ReLU, so some are zero)
# of two different shapes, compares with the package, and when the values differ, recognises the
# usual mistakes by recomputing what each mistake would give.

Mistake = tuple[str, Callable[..., torch.Tensor]]


def _responses(seed: int, shape: tuple[int, ...]) -> torch.Tensor:
    """Random post-ReLU responses [B, N, H, W] (about half the entries are zero)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator).clamp_min(0)


def _recognise(feedback: Feedback, got: torch.Tensor, mistakes: list[Mistake], *args) -> bool:
    """Fail with the message of the first mistake whose result ``got`` equals; False if none does."""
    for message, wrong in mistakes:
        try:
            candidate = wrong(*args)
        except RuntimeError:  # a mistake that cannot happen at these shapes
            continue
        if candidate.shape == got.shape and torch.allclose(
            got.double(), candidate.double(), rtol=1e-4, atol=1e-6
        ):
            return feedback.fail(message)
    return False


def _judge(
    feedback: Feedback, got: object, expected: torch.Tensor, what: str, mistakes: list[Mistake], *args
) -> bool:
    """True when ``got`` matches ``expected``; otherwise name the mistake in ``mistakes`` (each
    called with ``args``) that gives ``got``, or else say how it differs."""
    if (
        isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and not torch.allclose(got.double(), expected.double(), rtol=1e-4, atol=1e-6)
    ):
        if not _recognise(feedback, got.detach(), mistakes, *args):
            _compare(feedback, got, expected, what)
        return False
    return _compare(feedback, got, expected, what)


def _one_number(feedback: Feedback, got: object, what: str) -> torch.Tensor | None:
    """A loss must be one differentiable number; returns it as a 0-d tensor, or None after failing."""
    if got is None:
        feedback.fail(f"{what} returned None: did you forget `return`?")
        return None
    if not isinstance(got, torch.Tensor):
        feedback.fail(
            f"{what} should return a torch.Tensor, got {type(got).__name__} "
            "(a Python number has no gradient: did you call .item()?)"
        )
        return None
    if got.numel() != 1:
        feedback.fail(
            f"{what} returned shape {list(got.shape)}: a loss is one number, "
            "so sum over every filter and position (did you forget .sum()?)"
        )
        return None
    return got.reshape(())


def _differentiable(feedback: Feedback, got: torch.Tensor, what: str) -> bool:
    if not got.requires_grad:
        return feedback.fail(
            f"{what} has the right value but no gradient: keep to torch operations "
            "(no .item(), .detach() or numpy) so that autograd can follow it"
        )
    return True
