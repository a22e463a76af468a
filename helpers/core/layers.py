r"""VGG19's layers by name, and their shapes: what the paper calls :math:`N_l`, :math:`H_l`, :math:`W_l`.

The names follow the paper: ``conv4_2`` is the response *after* the ReLU (Caffe applies ReLU in
place, so the paper's "conv4_2" is PyTorch's "relu4_2"). This module holds only names and
arithmetic, no weights: every other module that needs a layer's name, its number of filters or
its feature-map size for an input of a given size asks here (:func:`feature_shapes` is the one
place that knows how the size shrinks with depth).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ..base.errors import SettingsError

# Convolutions per block; every block ends in a 2x2 pooling layer.
BLOCKS: tuple[int, ...] = (2, 2, 4, 4, 4)
BLOCK_CHANNELS: tuple[int, ...] = (64, 128, 256, 512, 512)

CONV_LAYERS: tuple[str, ...] = tuple(
    f"conv{b}_{c}" for b, n in enumerate(BLOCKS, start=1) for c in range(1, n + 1)
)
#: Every layer in network order: conv1_1, conv1_2, pool1, conv2_1, ... conv5_4, pool5.
LAYERS: tuple[str, ...] = tuple(
    name
    for b, n in enumerate(BLOCKS, start=1)
    for name in [*(f"conv{b}_{c}" for c in range(1, n + 1)), f"pool{b}"]
)
#: N_l, the number of filters (channels) of each layer.
CHANNELS: dict[str, int] = {name: BLOCK_CHANNELS[int(name[4]) - 1] for name in LAYERS}

#: The paper's choices (Gatys et al. 2016, Sec. 2-3).
CONTENT_LAYERS: tuple[str, ...] = ("conv4_2",)
STYLE_LAYERS: tuple[str, ...] = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")

#: Style matched on growing sets of layers: ``conv1_1``, then ``conv1_1 ... conv2_1``, up to all
#: five. The texture paper's Fig. 2, the style paper's Fig. 1 (top row) and Fig. 3 (rows).
GROWING_STYLE_SETS: tuple[tuple[str, ...], ...] = tuple(
    STYLE_LAYERS[: i + 1] for i in range(len(STYLE_LAYERS))
)


def check_layers(layers: Iterable[str], *, what: str = "layer") -> list[str]:
    """Return ``layers`` as a list, or raise a one-line ``SettingsError`` naming the valid ones."""
    if isinstance(layers, str):
        layers = [layers]
    layers = list(layers)
    unknown = [name for name in layers if name not in LAYERS]
    if unknown:
        raise SettingsError(
            f"unknown {what} name(s) {', '.join(map(repr, unknown))}: valid names are {', '.join(LAYERS)}"
        )
    return layers


def layer_index(name: str) -> int:
    """Position of ``name`` in :data:`LAYERS` (0 for conv1_1, 20 for pool5)."""
    return LAYERS.index(check_layers([name])[0])


def layer_set_label(layers: Sequence[str]) -> str:
    """How a set of style layers is labelled in figures and panels.

    ``conv1_1`` for one layer; ``conv1_1 … conv3_1`` for consecutive style layers (the growing
    sets of :data:`GROWING_STYLE_SETS`); otherwise the names joined by commas.
    """
    layers = list(layers)
    if not layers:
        return "no style layer"
    if len(layers) == 1:
        return layers[0]
    start = STYLE_LAYERS.index(layers[0]) if layers[0] in STYLE_LAYERS else -1
    if start >= 0 and tuple(layers) == STYLE_LAYERS[start : start + len(layers)]:
        return f"{layers[0]} … {layers[-1]}"
    return ", ".join(layers)


def feature_shapes(shape: tuple[int, int], last: str = LAYERS[-1]) -> dict[str, tuple[int, int, int]]:
    """``{name: (N_l, H_l, W_l)}`` for every layer up to ``last`` on an input of ``shape`` = (H, W).

    Every convolution is 3x3 with stride 1 and padding 1 (the size stays); every pooling is 2x2
    with stride 2 (the size halves, rounding down).
    """
    h, w = int(shape[0]), int(shape[1])
    out = {}
    for name in LAYERS[: layer_index(last) + 1]:
        if name.startswith("pool"):
            h, w = h // 2, w // 2
        out[name] = (CHANNELS[name], h, w)
    return out


def min_side(layers: Sequence[str]) -> int:
    """The least pixels on an input's shorter side that leave every one of ``layers`` at least one
    position: :math:`2^k` for the :math:`k` poolings up to the deepest (16 for conv5_1, 32 for pool5)."""
    if not layers:
        return 1
    return 2 ** sum(
        name.startswith("pool") for name in LAYERS[: layer_index(max(layers, key=layer_index)) + 1]
    )


def positions(shape: tuple[int, int], layers: Sequence[str]) -> dict[str, int]:
    """:math:`M_l = H_l W_l` of each of ``layers`` for an input of ``shape`` = (H, W)."""
    if not layers:
        return {}
    last = max(layers, key=layer_index)
    return {name: h * w for name, (_, h, w) in feature_shapes(shape, last).items() if name in layers}


class LayerInfo(NamedTuple):
    """One row of :func:`layer_table`: what a layer's response looks like for a given input."""

    name: str
    #: N_l, the number of filters (feature maps).
    channels: int
    #: H_l and W_l, the feature map's height and width.
    height: int
    width: int
    #: M_l = H_l * W_l, the number of positions per feature map.
    positions: int
    #: j_l, the distance in input pixels between neighbouring units (the product of the strides).
    stride: int
    #: r_l, the side in input pixels of the square a unit sees (its receptive field).
    receptive_field: int


def layer_table(size: int | tuple[int, int]) -> list[LayerInfo]:
    r"""Name, :math:`N_l`, :math:`H_l \times W_l`, :math:`M_l`, stride and receptive field of all 21 layers.

    ``size`` is the input's ``(height, width)`` in pixels, or one number for a square image. The
    shapes come from :func:`feature_shapes`. The receptive field grows by the recursion

    .. math:: r_l = r_{l-1} + (k_l - 1)\, j_{l-1}, \qquad j_l = j_{l-1}\, s_l, \qquad r_0 = j_0 = 1,

    where :math:`k_l` is the kernel size and :math:`s_l` the stride: a 3x3 convolution adds two
    steps of the current spacing :math:`j`, a pooling one step, and each pooling doubles :math:`j`.
    """
    height, width = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    if height < 1 or width < 1:
        raise SettingsError(f"size must be positive, got {size!r}")
    rows, field, jump = [], 1, 1
    for name, (channels, h, w) in feature_shapes((height, width)).items():
        kernel, stride = (3, 1) if name.startswith("conv") else (2, 2)
        field += (kernel - 1) * jump
        jump *= stride
        rows.append(LayerInfo(name, channels, h, w, h * w, jump, field))
    return rows
