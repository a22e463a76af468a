"""Plots of notebook 12 (video): the optical flow as arrows, the flicker as pictures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from ...imaging.images import to_pil


def plot_flow(
    image: torch.Tensor, flow: torch.Tensor, weights: torch.Tensor | None = None, *, every: int = 8
):
    """``image`` with the flow ``[2, H, W]`` drawn as an arrow every ``every`` pixels (the arrow
    points to where each pixel's content was in the other frame) and, beside it, ``weights``
    (the consistency mask: white where the flow is trusted)."""
    columns = 1 if weights is None else 2
    h, w = image.shape[-2:]
    fig, axes = plt.subplots(1, columns, figsize=(4.2 * columns, 4.2 * h / w + 0.5), squeeze=False)
    ax = axes[0, 0]
    ax.imshow(to_pil(image))
    ys, xs = torch.meshgrid(torch.arange(0, h, every), torch.arange(0, w, every), indexing="ij")
    u, v = flow[0, ys, xs], flow[1, ys, xs]
    ax.quiver(xs, ys, u, v, color="yellow", angles="xy", scale_units="xy", scale=1, width=0.004)
    across, down = float(flow[0].median()), float(flow[1].median())
    ax.set_title(f"flow: median {across:+.2f} px across, {down:+.2f} px down")
    ax.set_axis_off()
    if weights is not None:
        mask = axes[0, 1]
        mask.imshow(weights[0, 0].cpu(), cmap="gray", vmin=0, vmax=1)
        mask.set_title(f"consistent (white): {100 * float(weights.mean()):.0f}% of the pixels")
        mask.set(xticks=[], yticks=[])  # keep the frame: a white mask on a white page
    fig.tight_layout()
    return fig
