r"""The paper's losses, equation by equation (Gatys, Ecker & Bethge 2016, Eqs. 1-7).

A layer :math:`l` with :math:`N_l` filters describes an image by :math:`F^l \in
\mathbb{R}^{N_l \times M_l}`, one row per filter over the :math:`M_l = H_l W_l` positions.
Every function takes responses in PyTorch's layout ``[B, N, H, W]`` and sums over the batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .layers import STYLE_LAYERS
from .network import VGG19

GRAM_NORMALIZATIONS = (None, "positions", "elements")


def _flat(features: torch.Tensor) -> torch.Tensor:
    """``[B, N, H, W]`` or ``[B, N, M]`` -> ``[B, N, M]`` in float32 or float64."""
    if features.dim() == 4:
        features = features.flatten(2)
    if features.dim() != 3:
        raise ValueError(f"expected features of shape [B, N, H, W] or [B, N, M], got {list(features.shape)}")
    return features if features.dtype == torch.float64 else features.float()


def gram_matrix(features: torch.Tensor, normalize: str | None = None) -> torch.Tensor:
    r"""The Gram matrix :math:`G^l_{ij} = \sum_k F^l_{ik} F^l_{jk}` (Eq. 3), shape ``[B, N, N]``.

    Entry ``(i, j)`` is the inner product of the responses of filters ``i`` and ``j`` over all
    positions: what the paper calls their *correlation*, though uncentred and unnormalised (not a
    correlation coefficient). It keeps *which features occur together* and forgets *where*.

    Args:
        features: responses ``[B, N, H, W]`` (or ``[B, N, M]``).
        normalize: ``None`` (the paper: a plain sum), ``"positions"`` (divide by :math:`M_l`,
            a mean over positions, comparable across image sizes) or ``"elements"`` (divide by
            :math:`N_l M_l`, as the PyTorch tutorial does).

    Computed in float32 (float64 stays float64) even under autocast: sums over 65,000
    positions would lose their low digits in bfloat16.
    """
    if normalize not in GRAM_NORMALIZATIONS:
        raise ValueError(f"unknown normalize={normalize!r}: use None, 'positions' or 'elements'")
    with torch.autocast(device_type=features.device.type, enabled=False):
        f = _flat(features)
        gram = torch.bmm(f, f.transpose(1, 2))
    n, m = f.shape[1], f.shape[2]
    if normalize == "positions":
        gram = gram / m
    elif normalize == "elements":
        gram = gram / (n * m)
    return gram


def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r"""The content loss :math:`\mathcal{L}_{content} = \frac{1}{2}\sum_{ij}(F^l_{ij} - P^l_{ij})^2` (Eq. 1).

    ``features`` are the generated image's responses :math:`F^l`, ``target`` the content image's
    :math:`P^l`, both ``[B, N, H, W]``.
    """
    if features.shape != target.shape:
        raise ValueError(
            f"content features {list(features.shape)} and target {list(target.shape)} differ in "
            "shape: the generated image must have the content image's size"
        )
    with torch.autocast(device_type=features.device.type, enabled=False):
        return 0.5 * (_flat(features) - _flat(target)).pow(2).sum()


def style_loss(features: torch.Tensor, target_gram: torch.Tensor) -> torch.Tensor:
    r"""One layer's style loss :math:`E_l = \frac{1}{4 N_l^2 M_l^2}\sum_{ij}(G^l_{ij} - A^l_{ij})^2` (Eq. 4).

    ``features`` are the generated image's responses ``[B, N, H, W]`` (their Gram matrix is
    :math:`G^l`); ``target_gram`` is the style image's Gram matrix :math:`A^l`, ``[B or 1, N, N]``,
    taken over the same number of positions :math:`M_l` (rescale it by
    :math:`M_l / M_l^{style}` when the style image has another size).
    The total style loss is :math:`\mathcal{L}_{style} = \sum_l w_l E_l` (Eq. 5).
    """
    n, m = features.shape[1], features.shape[2:].numel()
    if target_gram.shape[-2:] != (n, n):
        raise ValueError(
            f"target Gram matrix {list(target_gram.shape)} does not fit features with {n} filters"
        )
    gram = gram_matrix(features)
    return (gram - target_gram).pow(2).sum() / (4.0 * n**2 * m**2)


class StyleStatistic:
    r"""What a style loss matches in one layer: a target computed once, and a loss :math:`E_l`.

    The paper's statistic is the Gram matrix (:class:`GramStatistic`); later papers match others
    (:mod:`helpers.extensions.style_losses`). ``target(features, positions)`` summarises the
    style image's responses ``[1, N, H, W]`` for an output with ``positions`` = :math:`M_l`;
    ``loss(features, target)`` is the layer's :math:`E_l` for the output's responses, summed over
    the batch. The total style loss is :math:`\sum_l w_l E_l` (Eq. 5) whatever the statistic.
    """

    #: The name of ``stylize``'s ``style_loss`` option.
    name: str = ""
    #: The ratio alpha/beta that ``stylize`` uses when none is given.
    default_ratio: float = 1e-3
    #: Whether spatial masks (guided statistics, Gatys et al. 2017) are defined for it.
    supports_masks: bool = False

    def target(self, features: torch.Tensor, positions: int):
        raise NotImplementedError

    def loss(self, features: torch.Tensor, target) -> torch.Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class GramStatistic(StyleStatistic):
    r"""The paper's style statistic: the Gram matrix :math:`A^l` (Eq. 3), matched by Eq. 4.

    The target is rescaled by :math:`M_l / M_l^{style}` so that style and output may differ in
    size (equal sizes: a factor of exactly 1).
    """

    name = "gram"
    default_ratio = 1e-3
    supports_masks = True

    def target(self, features: torch.Tensor, positions: int) -> torch.Tensor:
        return gram_matrix(features) * (positions / features.shape[2:].numel())

    def loss(self, features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return style_loss(features, target)


def total_variation(image: torch.Tensor) -> torch.Tensor:
    r"""The total-variation regulariser :math:`\sum_{ij}(x_{i+1,j}-x_{ij})^2 + (x_{i,j+1}-x_{ij})^2`.

    Not in the paper; later implementations add a little of it to smooth high-frequency noise.
    """
    dy = image[..., 1:, :] - image[..., :-1, :]
    dx = image[..., :, 1:] - image[..., :, :-1]
    return dy.pow(2).sum() + dx.pow(2).sum()


def layer_style_losses(
    image: torch.Tensor, style: torch.Tensor, net: VGG19, layers: Sequence[str] | None = None
) -> dict[str, float]:
    r"""Each layer's style loss :math:`E_l` (Eq. 4) of ``image`` against ``style``, unweighted.

    Both are RGB images ``[1, 3, H, W]`` in [0, 1] seen by ``net``; ``layers`` defaults to the
    paper's five style layers. The style's Gram matrices are rescaled to the image's number of
    positions :math:`M_l`, as :func:`helpers.stylize` does, so the two may differ in size.
    """
    layers = list(STYLE_LAYERS if layers is None else layers)
    statistic = GramStatistic()
    with torch.no_grad():
        fx, fs = net(image.to(net.device), layers), net(style.to(net.device), layers)
        out = {}
        for name in layers:
            target = statistic.target(fs[name], fx[name].shape[2:].numel())
            out[name] = float(statistic.loss(fx[name], target))
    return out
