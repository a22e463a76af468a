r"""Spatial control (Gatys, Ecker, Bethge, Hertzmann & Shechtman 2017, "Controlling Perceptual
Factors in Neural Style Transfer", Sec. 4): guided Gram matrices give each region its own style.

A mask :math:`m` (values in [0, 1], 1 = inside the region) is averaged down to each layer's
resolution, :math:`m^l` (as the network's average pooling would). As in the authors' reference
code (leongatys/NeuralImageSynthesis, ``ExampleNotebooks/SpatialControl.ipynb``), the mask is a
*guidance channel* normalised to unit mean square, :math:`g = m / \sqrt{\frac{1}{M_l}\sum_k m_k^2}`,
the responses are multiplied by it, and the Gram matrix is taken over the :math:`M_l` positions:

.. math:: \hat G^l_{ij}[m] = \frac{1}{M_l}\sum_k (g_k F^l_{ik})(g_k F^l_{jk})
          = \frac{\sum_k (m^l_k)^2 F^l_{ik} F^l_{jk}}{\sum_k (m^l_k)^2}.

A soft mask therefore enters *squared*; for a binary mask this is the Gram matrix of the region's
positions divided by its area. The region's style loss compares it with the (likewise guided)
Gram matrix :math:`\hat A^l` of its style image,

.. math:: E_l[m] = \frac{s^l}{4 N_l^2}\sum_{ij}\left(\hat G^l_{ij}[m] - \hat A^l_{ij}\right)^2,
          \qquad s^l = \frac{1}{M_l}\sum_k (m^l_k)^2 .

Where ours differs from the reference code: the factor :math:`s^l` (the region's share of the
image) is our choice, so that one mask covering everything gives exactly the paper's
:math:`E_l` (Eq. 4) and every position feels the same style pressure whatever its region's size;
the reference code weights each guidance channel by a fixed factor (equal shares, ``1/n_ch``)
and resizes the guides with ``scipy.ndimage.zoom`` (optionally thresholded and eroded) instead
of averaging them. Positions that no mask covers are left to the content loss alone: they stay
unstyled.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..base.errors import SettingsError
from ..core.objective import Objective
from ..imaging.images import ImageSource, load_image


def load_mask(source: ImageSource, shape: tuple[int, int]) -> torch.Tensor:
    """A region mask as a ``[1, 1, H, W]`` float tensor in [0, 1] at ``shape`` = (H, W).

    ``source``: a tensor or array ([H, W], [1, H, W], [1, 1, H, W] or an RGB image, averaged over
    its channels; values in [0, 1], or 0/255 for uint8), or an image file (white = inside).
    """
    if isinstance(source, (torch.Tensor, np.ndarray)):
        m = torch.as_tensor(source)
        m = m.float() / 255.0 if m.dtype == torch.uint8 else m.detach().float().cpu()
        while m.dim() < 4:
            m = m.unsqueeze(0)
        if m.dim() != 4 or m.shape[0] != 1:
            raise SettingsError(
                f"a mask must be [H, W] or [1, 1, H, W], got {list(torch.as_tensor(source).shape)}"
            )
    else:
        m = load_image(source)
    m = m.mean(dim=1, keepdim=True)
    if not torch.isfinite(m).all() or m.min() < 0 or m.max() > 1:
        raise SettingsError("mask values must lie in [0, 1] (1 = inside the region)")
    if tuple(m.shape[-2:]) != tuple(shape):
        m = F.interpolate(m, size=tuple(shape), mode="bilinear", align_corners=False).clamp(0, 1)
    return m


def load_masks(sources: Sequence[ImageSource], shape: tuple[int, int], n_styles: int) -> list[torch.Tensor]:
    """One mask per style image, each at the output's ``shape``; none may be empty."""
    sources = list(sources)
    if len(sources) != n_styles:
        raise SettingsError(f"{len(sources)} mask(s) for {n_styles} style image(s): give one mask per style")
    masks = [load_mask(s, shape) for s in sources]
    for i, m in enumerate(masks):
        if float(m.sum()) == 0:
            raise SettingsError(f"mask {i} is empty (all zero): give its style a region, or drop the style")
    return masks


def layer_mask(mask: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """``mask`` averaged down to a layer's ``(H_l, W_l)`` (area interpolation, like average pooling)."""
    if tuple(mask.shape[-2:]) == tuple(size):
        return mask
    return F.interpolate(mask, size=tuple(size), mode="area")


def masked_gram(features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    r"""The guided Gram matrix :math:`\hat G[m] = \sum_k m_k^2 F_{ik}F_{jk} / \sum_k m_k^2`.

    The authors' form: the responses times the guidance channel :math:`g = m/\sqrt{\mathrm{mean}(m^2)}`,
    then the Gram matrix over the :math:`M` positions divided by :math:`M`. ``features``
    ``[B, N, H, W]``; ``mask`` ``[1, 1, H, W]`` at the same resolution (``None``: every position,
    i.e. :math:`G/M`). Float32 even under autocast. Returns ``[B, N, N]``.
    """
    with torch.autocast(device_type=features.device.type, enabled=False):
        f = features.flatten(2).float()
        if mask is None:
            return torch.bmm(f, f.transpose(1, 2)) / f.shape[2]
        weight = mask.flatten(2).float().to(f.device).pow(2)  # g_k F_ik g_k F_jk: the mask enters squared
        return torch.bmm(f * weight, f.transpose(1, 2)) / weight.sum().clamp_min(1e-8)


def guide_share(mask: torch.Tensor) -> torch.Tensor:
    r""":math:`s = \frac{1}{M}\sum_k m_k^2`: the region's share of the image (1 for a full mask)."""
    return mask.float().pow(2).mean()


class SpatialObjective(Objective):
    r"""The paper's objective with each style confined to its region (see the module docstring).

    ``masks[i]`` is style ``i``'s region in the output, ``[1, 1, H, W]`` at ``output_shape``;
    ``style_masks[i]`` (optional) the part of style image ``i`` to take its statistics from.
    """

    def __init__(
        self,
        net,
        content: torch.Tensor | None,
        styles: Sequence[torch.Tensor],
        *,
        masks: Sequence[torch.Tensor],
        style_masks: Sequence[torch.Tensor | None] | None = None,
        **kwargs,
    ) -> None:
        if len(masks) != len(styles):
            raise SettingsError(f"{len(masks)} mask(s) for {len(styles)} style image(s)")
        self.masks = [m.to(net.device) for m in masks]
        self.style_masks = list(style_masks) if style_masks is not None else [None] * len(styles)
        self._layer_masks: dict[tuple[int, tuple[int, ...]], torch.Tensor] = {}
        super().__init__(net, content, styles, **kwargs)

    def style_target(self, index: int, feats: dict[str, torch.Tensor], out_positions) -> dict:
        mask = self.style_masks[index]
        return {
            name: masked_gram(f, None if mask is None else layer_mask(mask.to(f.device), f.shape[-2:]))
            for name, f in feats.items()
        }

    def _mask(self, index: int, size: torch.Size) -> torch.Tensor:
        key = (index, tuple(size))
        if key not in self._layer_masks:
            self._layer_masks[key] = layer_mask(self.masks[index], size)
        return self._layer_masks[key]

    def style_layer_loss(self, index: int, name: str, features: torch.Tensor) -> torch.Tensor:
        mask = self._mask(index, features.shape[-2:])
        n = features.shape[1]
        share = guide_share(mask)
        gram = masked_gram(features, mask)
        return share * (gram - self.style_targets[index][name]).pow(2).sum() / (4.0 * n**2)
