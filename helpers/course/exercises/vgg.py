"""Notebook 03: receptive fields of VGG19's layers."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...core.vgg import LAYERS, layer_table
from .feedback import Feedback, _call


def check_receptive_field(fn: Callable[[str], int]) -> bool:
    r"""Check ``fn(layer_name)`` -> the receptive field, in input pixels, of a unit of that layer.

    The reference is :func:`helpers.vgg.layer_table`, with the recursion

    .. math:: r_l = r_{l-1} + (k_l - 1)\, j_{l-1}, \qquad j_l = j_{l-1}\, s_l, \qquad r_0 = j_0 = 1

    (3x3 convolutions with stride 1, 2x2 poolings with stride 2). Names the usual mistakes: the
    stride never doubling, pooling adding nothing, the stride doubled too early, off by one.
    """
    feedback = Feedback("check_receptive_field")
    expected = {row.name: row.receptive_field for row in layer_table(224)}
    answers: dict[str, float] = {}
    for name in LAYERS:
        value = _call(feedback, fn, name)
        if feedback.problem is not None:
            return feedback.report()
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            feedback.fail(f"for {name!r} you returned {value!r}: return the receptive field in px, a number")
            return feedback.report()
        answers[name] = float(value)
    if answers == expected:
        return feedback.report()

    def recursion(pool_adds: bool, early_stride: bool) -> dict[str, int]:
        out, field, jump = {}, 1, 1
        for name in LAYERS:
            kernel, stride = (3, 1) if name.startswith("conv") else (2, 2)
            step = jump * stride if early_stride else jump
            if name.startswith("conv") or pool_adds:
                field += (kernel - 1) * step
            jump *= stride
            out[name] = field
        return out

    constant = {}
    field = 1
    for name in LAYERS:
        field += 2 if name.startswith("conv") else 1
        constant[name] = field
    mistakes = {
        "your fields grow by the same number of pixels at every depth: after each pooling, one step "
        "between neighbouring units spans twice as many input pixels (j doubles), so a 3x3 "
        "convolution in block b adds 2 * 2**(b-1) pixels": constant,
        "pooling layers widen the field too: a 2x2 window adds one step j_(l-1) before it doubles "
        "j": recursion(pool_adds=False, early_stride=False),
        "you doubled the stride before growing the field: a layer's kernel steps over the spacing "
        "of its input, j_(l-1), so update r first and j after": recursion(pool_adds=True, early_stride=True),
        "off by one everywhere: start from r_0 = 1 (a pixel sees itself), so conv1_1 sees 3 x 3 pixels": {
            k: v + 1 for k, v in expected.items()
        },
        "off by one everywhere (one too few): start from r_0 = 1, so conv1_1 sees 3 x 3 pixels": {
            k: v - 1 for k, v in expected.items()
        },
    }
    for message, values in mistakes.items():
        if answers == values:
            return feedback.fail(message) or feedback.report()
    wrong = [name for name in LAYERS if answers[name] != expected[name]]
    first = wrong[0]
    direction = "too small" if answers[first] < expected[first] else "too large"
    kinds = {"pooling" if name.startswith("pool") else "convolution" for name in wrong}
    which = f" (all of them {kinds.pop()} layers)" if len(kinds) == 1 else ""
    feedback.fail(
        f"{len(wrong)} of 21 layers are wrong{which}; the first is {first}, where your "
        f"{answers[first]:g} px is {direction}"
    )
    return feedback.report()
