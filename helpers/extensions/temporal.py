r"""Style transfer for videos (Ruder, Dosovitskiy & Brox 2016): optical flow, warping, temporal loss.

Stylising each frame on its own gives a different picture every frame: the strokes jump about
and the clip flickers. Ruder et al. start frame :math:`i` from the previous stylised frame
warped along the optical flow, and add a *short-term temporal loss* that keeps the new frame
close to that warped frame wherever the flow can be trusted:

.. math:: \mathcal{L}_{temporal}(\vec x, \vec\omega, \vec c)
          = \frac{1}{D}\sum_{k=1}^{D} c_k\,(x_k - \omega_k)^2

with :math:`D = W \times H \times C` the number of values, :math:`\vec\omega` the warped previous
stylised frame and :math:`\vec c \in [0, 1]^D` the per-pixel weights: 0 where the flow's
forward-backward check fails (disocclusions) and at motion boundaries, 1 elsewhere. The
objective is :math:`\alpha\mathcal{L}_{content} + \beta\mathcal{L}_{style} + \gamma\mathcal{L}_{temporal}`.

The flow comes from OpenCV's DIS optical flow (Kroeger et al. 2016): a classical method, fast on
a CPU and with no weights to download; the paper used DeepFlow or EpicFlow.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..imaging.video_io import require_video_extra

#: Ruder et al.'s disocclusion test: ``|w~ + w^|^2 > A (|w~|^2 + |w^|^2) + B`` (flows in pixels).
DISOCCLUSION_A, DISOCCLUSION_B = 0.01, 0.5
#: Their motion-boundary test: ``|grad u^|^2 + |grad v^|^2 > A |w^|^2 + B``.
BOUNDARY_A, BOUNDARY_B = 0.01, 0.002


def optical_flow(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The flow ``w`` with ``source(p) ≈ target(p + w(p))``, in pixels, shape ``[2, H, W]`` (dx, dy).

    DIS optical flow on the grey images, OpenCV's "medium" preset.
    """
    require_video_extra("optical flow")
    import cv2

    def grey(image: torch.Tensor) -> np.ndarray:
        rgb = image.detach().float().clamp(0, 1)[0].permute(1, 2, 0).cpu().numpy()
        return cv2.cvtColor((rgb * 255).round().astype(np.uint8), cv2.COLOR_RGB2GRAY)

    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flow = dis.calc(grey(source), grey(target), None)
    return torch.from_numpy(flow).permute(2, 0, 1).float()


def warp(image: torch.Tensor, flow: torch.Tensor, *, fill: torch.Tensor | None = None) -> torch.Tensor:
    """``image`` moved along ``flow``: ``out(p) = image(p + flow(p))``, bilinear.

    Positions that fall outside the image take ``fill`` (``[1, C, 1, 1]``; default the border's
    own value), so a pan that brings new ground into view starts it from something plausible.
    """
    _, _, h, w = image.shape
    ys, xs = torch.meshgrid(
        torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij"
    )
    x = xs + flow[0]
    y = ys + flow[1]
    grid = torch.stack([2 * x / max(w - 1, 1) - 1, 2 * y / max(h - 1, 1) - 1], dim=-1)[None]
    out = F.grid_sample(
        image.float(), grid.to(image.device), mode="bilinear", padding_mode="border", align_corners=True
    )
    if fill is not None:
        outside = ((x < 0) | (x > w - 1) | (y < 0) | (y > h - 1)).to(image.device)
        out = torch.where(outside, fill.to(out), out)
    return out


def consistency(forward: torch.Tensor, backward: torch.Tensor) -> torch.Tensor:
    r"""The per-pixel weights :math:`\vec c` of frame :math:`i` (``[1, 1, H, W]``, 0 or 1): 0 where
    any of the three tests of :func:`rejections` fires, 1 elsewhere."""
    parts = rejections(forward, backward)
    return (~(parts["disoccluded"] | parts["motion boundary"] | parts["outside"])).float()[None, None]


def rejections(forward: torch.Tensor, backward: torch.Tensor) -> dict[str, torch.Tensor]:
    r"""The three reasons a pixel of frame :math:`i` gets weight 0, each a ``[H, W]`` bool mask.

    ``forward`` is the flow :math:`w` from frame :math:`i-1` to :math:`i`, ``backward`` the flow
    :math:`\hat w` from :math:`i` to :math:`i-1` (the previous frame warped by it lies on frame
    :math:`i`). With :math:`\tilde w(p) = w(p + \hat w(p))` the forward flow carried to frame
    :math:`i`:

    * ``"disoccluded"``: :math:`|\tilde w + \hat w|^2 > 0.01(|\tilde w|^2 + |\hat w|^2) + 0.5`, the
      two flows do not undo each other (an occlusion, or a flow that is simply wrong);
    * ``"motion boundary"``: :math:`|\nabla\hat u|^2 + |\nabla\hat v|^2 > 0.01|\hat w|^2 + 0.002`;
    * ``"outside"``: the pixel's source lies outside frame :math:`i-1` (nothing there was stylised).

    The first two are Ruder et al.'s (2016), after Sundaram et al. (2010); their code zeroes the
    third too.
    """
    carried = warp(forward[None], backward)[0]
    round_trip = (carried + backward).pow(2).sum(0)
    disoccluded = (
        round_trip > DISOCCLUSION_A * (carried.pow(2).sum(0) + backward.pow(2).sum(0)) + DISOCCLUSION_B
    )
    du = _gradient_squared(backward[0])
    dv = _gradient_squared(backward[1])
    boundary = du + dv > BOUNDARY_A * backward.pow(2).sum(0) + BOUNDARY_B
    return {"disoccluded": disoccluded, "motion boundary": boundary, "outside": outside(backward)}


def outside(backward: torch.Tensor) -> torch.Tensor:
    """Where ``backward`` leads outside the previous frame (``[H, W]`` bool)."""
    h, w = backward.shape[-2:]
    ys, xs = torch.meshgrid(
        torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij"
    )
    x, y = xs + backward[0], ys + backward[1]
    return (x < 0) | (x > w - 1) | (y < 0) | (y > h - 1)


def _gradient_squared(u: torch.Tensor) -> torch.Tensor:
    """:math:`|\\nabla u|^2` by central differences (one-sided at the border)."""
    gy, gx = torch.gradient(u)
    return gx.pow(2) + gy.pow(2)


def temporal_loss(image: torch.Tensor, warped: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    r"""The short-term temporal loss :math:`\frac{1}{D}\sum_k c_k (x_k - \omega_k)^2`."""
    return (weights * (image - warped).pow(2)).sum() / image.numel()


class TemporalObjective:
    r"""An objective plus :math:`\gamma\,\mathcal{L}_{temporal}`: ``(total, terms)`` like the one it wraps."""

    def __init__(self, objective, warped: torch.Tensor, weights: torch.Tensor, gamma: float) -> None:
        self.objective, self.gamma = objective, float(gamma)
        self.warped, self.weights = warped.detach(), weights.detach()

    def __call__(self, image: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        total, terms = self.objective(image)
        l_temporal = temporal_loss(image, self.warped.to(image), self.weights.to(image))
        return total + self.gamma * l_temporal, {**terms, "temporal": l_temporal}


def temporal_error(
    frames: list[torch.Tensor], backward: list[torch.Tensor], weights: list[torch.Tensor]
) -> list[float]:
    """The flicker of a stylised clip: for each frame after the first, the mean squared difference
    to the previous stylised frame warped by the *input's* flow, over the consistent pixels."""
    errors = []
    for i in range(1, len(frames)):
        moved = warp(frames[i - 1], backward[i - 1])
        c = weights[i - 1].expand_as(moved)
        errors.append(float(((frames[i] - moved).pow(2) * c).sum() / c.sum().clamp_min(1)))
    return errors


def flicker(frames: list, inputs: list) -> float:
    """The flicker of stylised ``frames`` as ``stylize_video``'s JSON reports it: the mean
    :func:`temporal_error` along the DIS flow between the ``inputs`` frames, weighted by
    :func:`consistency`."""
    backward = [optical_flow(inputs[i], inputs[i - 1]) for i in range(1, len(inputs))]
    weights = [
        consistency(optical_flow(inputs[i - 1], inputs[i]), b)
        for i, b in zip(range(1, len(inputs)), backward)
    ]
    errors = temporal_error(frames, backward, weights)
    return sum(errors) / len(errors)
