r"""Texture synthesis (Gatys, Ecker & Bethge 2015, "Texture Synthesis Using Convolutional Neural
Networks"): style transfer without a content image.

A texture is described by the Gram matrices :math:`G^l` of a set of layers, statistics that keep
*which features occur together* and forget *where*. Starting from noise (the paper's white noise;
ours is faint noise, 0.5 + 0.03 N(0, 1), see :func:`helpers.noise_image`), the pixels are
changed until their Gram matrices match the source's,

.. math:: \mathcal{L}(\vec x, \vec a) = \sum_l w_l E_l,

with :math:`E_l` the paper's Eq. 4. Because the targets forget positions, the output can have any
size: ``shape=(2 * H, 2 * W)`` grows a texture larger than its source, with no tiling seams
(the Gram targets are rescaled to the output's number of positions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..core.result import Result
from ..core.vgg import GROWING_STYLE_SETS, STYLE_LAYERS
from ..imaging.images import ImageSource
from .stylize import stylize

#: The growing layer sets of the texture paper's Fig. 2 (the name notebook 10 imports).
TEXTURE_LAYER_SETS = GROWING_STYLE_SETS


def synthesize_texture(
    style: ImageSource,
    *,
    layers: Sequence[str] = STYLE_LAYERS,
    size: int | None = None,
    shape: tuple[int, int] | None = None,
    steps: int = 300,
    layer_weights: Mapping[str, float] | Sequence[float] | None = None,
    **kwargs,
) -> Result:
    """A new texture with the Gram statistics of ``style`` at ``layers``, grown from faint noise.

    Args:
        style: the source texture (path, URL, catalogue name, PIL image or tensor).
        layers: the layers whose Gram matrices are matched: few and shallow copy small-scale
            structure only; up to ``conv5_1`` copies larger structures.
        size: the source's longer side in pixels (``None``: 256 on a CPU, 512 on a GPU); the
            features of the texture keep their size in pixels whatever the output's size.
        shape: the output's ``(height, width)``; ``None`` means the source's own shape. Give a
            larger one for a texture larger than the source.
        steps, layer_weights: as for :func:`helpers.stylize`.
        kwargs: any other :func:`helpers.stylize` option (``seed``, ``optimizer``, ``weights``,
            ``pooling``, ``normalize``, ``scales``, ``callback``, ``progress`` ...).

    Returns:
        a :class:`~helpers.Result` whose ``history`` has the style loss (and zero content loss).
    """
    return stylize(
        None,
        style,
        size=size,
        shape=shape,
        steps=steps,
        style_layers=layers,
        layer_weights=layer_weights,
        **kwargs,
    )
