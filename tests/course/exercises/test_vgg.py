"""check_receptive_field: a hand-written recursion passes, typical mistakes are named."""

from __future__ import annotations

import pytest
import torch

from helpers.core.vgg import LAYERS
from helpers.course.exercises import check_receptive_field


def _recursion(pool_adds=True, early=False):
    out, field, jump = {}, 1, 1
    for name in LAYERS:
        kernel, stride = (3, 1) if name.startswith("conv") else (2, 2)
        if name.startswith("conv") or pool_adds:
            field += (kernel - 1) * (jump * stride if early else jump)
        jump *= stride
        out[name] = field
    return out


RIGHT = _recursion()
POOLS_ADD_NOTHING = _recursion(pool_adds=False)
STRIDE_TOO_EARLY = _recursion(early=True)


def test_check_receptive_field_accepts_a_hand_written_recursion(capsys):
    table = RIGHT
    assert check_receptive_field(lambda name: table[name]) is True
    assert check_receptive_field(lambda name: torch.tensor(table[name])) is True
    assert capsys.readouterr().out.count("✓ check_receptive_field: correct") == 2


def _constant_growth(name):
    index = LAYERS.index(name)
    return 1 + sum(2 if n.startswith("conv") else 1 for n in LAYERS[: index + 1])


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (_constant_growth, "same number of pixels at every depth"),
        (lambda name: POOLS_ADD_NOTHING[name], "pooling layers widen the field too"),
        (lambda name: STRIDE_TOO_EARLY[name], "doubled the stride before"),
        (lambda name: RIGHT[name] + 1, "off by one everywhere"),
        (lambda name: RIGHT[name] - 1, "one too few"),
        (lambda name: RIGHT[name] if name != "conv5_1" else 150, "the first is conv5_1"),
        (lambda name: RIGHT[name] if name.startswith("conv") else 0, "all of them pooling"),
        (lambda name: None, "you returned None"),
        (lambda name: {"conv1_1": 3}[name], "raised KeyError"),
    ],
)
def test_check_receptive_field_names_the_mistake(answer, says, capsys):
    assert check_receptive_field(answer) is False
    out = capsys.readouterr().out.strip()
    assert out.startswith("✗ check_receptive_field") and says in out and "\n" not in out, out
