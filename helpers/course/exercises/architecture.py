"""Notebooks 01 and 03: counting VGG19's parameters, and the size of each layer's feature maps."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...core.vgg import CHANNELS, LAYERS, layer_table
from .feedback import Feedback, _call


def _as_number(value: object) -> float | None:
    """A plain int or float from a number or a one-element tensor; None for anything else."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _input_channels() -> dict[str, int]:
    """N_(l-1) for every convolution: the colour channels for conv1_1, else the previous layer's N."""
    out, previous = {}, 3
    for name in LAYERS:
        if name.startswith("conv"):
            out[name] = previous
            previous = CHANNELS[name]
    return out


def parameter_count(name: str, *, bias: bool = True, kernel: int = 9, own_input: bool = False) -> int:
    """Weights (and biases) of layer ``name``: N_l N_(l-1) k_h k_w + N_l for a convolution, 0 for a pooling.

    The keyword arguments reproduce the usual mistakes (no bias, a wrong kernel size, the layer's
    own N_l taken as its input's); the defaults give the right count.
    """
    if not name.startswith("conv"):
        return 0
    n_out = CHANNELS[name]
    n_in = n_out if own_input else _input_channels()[name]
    return n_out * n_in * kernel + (n_out if bias else 0)


def check_parameter_count(fn: Callable[[str], int]) -> bool:
    r"""Check ``fn(layer_name)`` -> the number of learned parameters (weights and biases) of that layer.

    A convolution of layer :math:`l` has :math:`N_l` filters, each a :math:`3 \times 3` kernel over
    the :math:`N_{l-1}` maps of the layer before (3 colour channels for conv1_1) plus one bias:
    :math:`N_l N_{l-1} \cdot 9 + N_l`. Poolings learn nothing. Names the usual mistakes: no biases,
    the kernel's 9 weights forgotten or counted as 3, the layer's own :math:`N_l` used as its
    input's, a pooling given parameters.
    """
    feedback = Feedback("check_parameter_count")
    answers: dict[str, float] = {}
    for name in LAYERS:
        value = _call(feedback, fn, name)
        if feedback.problem is not None:
            return feedback.report()
        number = _as_number(value)
        if number is None:
            feedback.fail(f"for {name!r} you returned {value!r}: return the number of parameters, an int")
            return feedback.report()
        answers[name] = number
    expected = {name: parameter_count(name) for name in LAYERS}
    if answers == expected:
        return feedback.report()
    convs = [name for name in LAYERS if name.startswith("conv")]
    pools_wrong = any(answers[name] != 0 for name in LAYERS if name.startswith("pool"))
    if pools_wrong and all(answers[name] == expected[name] for name in convs):
        return (
            feedback.fail(
                "a pooling layer learns nothing: it takes a max or a mean, so return 0 for pool1 … pool5"
            )
            or feedback.report()
        )
    mistakes = {
        "you counted the weights but not the biases: each filter also has one bias, so add N_l": {
            "bias": False
        },
        "each filter has a 3 × 3 kernel for every input map: multiply N_l · N_(l-1) by 9": {"kernel": 1},
        "a 3 × 3 kernel has 9 weights, not 3: multiply N_l · N_(l-1) by 3 · 3": {"kernel": 3},
        "you used the layer's own N_l for its input: a filter sees the maps of the layer before, so "
        "conv1_1 has 3 input channels (R, G, B) and conv2_1 has 64": {"own_input": True},
        "no biases, and the layer's own N_l used for its input (conv1_1 sees 3 colour channels)": {
            "bias": False,
            "own_input": True,
        },
    }
    for message, options in mistakes.items():
        if all(answers[name] == parameter_count(name, **options) for name in convs):
            return feedback.fail(message) or feedback.report()
    wrong = [name for name in LAYERS if answers[name] != expected[name]]
    first = wrong[0]
    direction = "too small" if answers[first] < expected[first] else "too large"
    feedback.fail(
        f"{len(wrong)} of {len(LAYERS)} layers are wrong; the first is {first}, where your "
        f"{answers[first]:,g} is {direction} (N_l = {CHANNELS[first]}, N_(l-1) = "
        f"{_input_channels().get(first, 0)})"
    )
    return feedback.report()


# --- Feature-map sizes ---------------------------------------------------------------------------

# Two inputs with odd sides, so that rounding up, down or to the nearest give different answers.
PROBES: tuple[tuple[int, int], ...] = ((375, 500), (97, 130))


def _sizes(
    height: int,
    width: int,
    *,
    halve: Callable[[int], float],
    pools_shift: int = 0,
    pool_halves: bool = True,
    valid: bool = False,
) -> dict[str, tuple[float, float]]:
    """(H_l, W_l) of every layer under one rule for a pooling (``halve``) and a convolution."""
    out: dict[str, tuple[float, float]] = {}
    h, w = float(height), float(width)
    for name in LAYERS:
        if name.startswith("conv"):
            if valid:  # no zero padding: a 3 x 3 kernel loses one pixel on each side
                h, w = h - 2, w - 2
            block = int(name[4])
            extra = max(0, block - 1 + pools_shift) - (block - 1)
            out[name] = (h, w)
            for _ in range(extra):  # counted one pooling too many
                out[name] = (halve(out[name][0]), halve(out[name][1]))
        else:
            h, w = halve(h), halve(w)
            out[name] = (h, w) if pool_halves else out[LAYERS[LAYERS.index(name) - 1]]
    return out


def check_feature_map_size(fn: Callable[[str, int, int], tuple[int, int]]) -> bool:
    r"""Check ``fn(layer_name, height, width)`` -> ``(H_l, W_l)``, the size of that layer's feature maps.

    Every 3 × 3 convolution pads by one pixel and keeps the size; every 2 × 2 pooling with stride
    2 halves it, dropping an odd last row or column: :math:`H_l = \lfloor H_{l-1} / 2 \rfloor`.
    Probes two sizes with odd sides. Names the usual mistakes: rounding up or to the nearest,
    float division, (width, height) swapped, one pooling too many or a pooling that does not
    halve, convolutions without padding.
    """
    feedback = Feedback("check_feature_map_size")
    for height, width in PROBES:
        expected = {row.name: (row.height, row.width) for row in layer_table((height, width))}
        answers: dict[str, tuple[float, float]] = {}
        for name in LAYERS:
            value = _call(feedback, fn, name, height, width)
            if feedback.problem is not None:
                return feedback.report()
            if isinstance(value, torch.Tensor):
                value = value.tolist()
            if not isinstance(value, (tuple, list, torch.Size)) or len(value) != 2:
                feedback.fail(
                    f"for {name!r} at {height} × {width} px you returned {value!r}: return two numbers, "
                    "(H_l, W_l)"
                )
                return feedback.report()
            pair = tuple(_as_number(v) for v in value)
            if None in pair:
                feedback.fail(f"for {name!r} you returned {value!r}: H_l and W_l are numbers")
                return feedback.report()
            answers[name] = pair  # type: ignore[assignment]
        if answers == expected:
            continue
        whole = all(float(v).is_integer() for pair in answers.values() for v in pair)
        mistakes = {
            "you swapped the two: return (H_l, W_l), height first, like a tensor's shape [B, N, H, W]": {
                name: (w, h) for name, (h, w) in expected.items()
            },
            "you rounded up: a 2 × 2 pooling with stride 2 drops an odd last row or column, so "
            "round down, H // 2": _sizes(height, width, halve=lambda v: -(-int(v) // 2)),
            "you rounded to the nearest whole number: a pooling drops an odd last row or column, "
            "so round down, H // 2": _sizes(height, width, halve=lambda v: round(v / 2)),
            "you halved once too often: conv2_1 comes after one pooling (pool1), conv4_2 after "
            "three, so a layer of block b has been halved b - 1 times": _sizes(
                height, width, halve=lambda v: int(v) // 2, pools_shift=1
            ),
            "a pooling layer halves the size itself: pool1's maps are already H // 2 (you gave it its "
            "input's size)": _sizes(height, width, halve=lambda v: int(v) // 2, pool_halves=False),
            "VGG19's convolutions pad with one pixel on each side, so a 3 × 3 convolution keeps the "
            "size; only the poolings shrink it": _sizes(
                height, width, halve=lambda v: int(v) // 2, valid=True
            ),
        }
        for message, values in mistakes.items():
            if answers == values:
                return feedback.fail(message) or feedback.report()
        if not whole:
            name = next(n for n, pair in answers.items() if not all(float(v).is_integer() for v in pair))
            return (
                feedback.fail(
                    f"{name} at {height} × {width} px: you returned {answers[name]}, but a feature map has a "
                    "whole number of rows: a pooling drops an odd last row, so use floor division, H // 2"
                )
                or feedback.report()
            )
        wrong = [name for name in LAYERS if answers[name] != expected[name]]
        first = wrong[0]
        return (
            feedback.fail(
                f"at {height} × {width} px, {len(wrong)} of {len(LAYERS)} layers are wrong; the first is "
                f"{first}, where you gave {answers[first]}"
            )
            or feedback.report()
        )
    return feedback.report()
