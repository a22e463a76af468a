"""Plots that show rather than print: images in a row, loss curves."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch

from .images import to_pil


def show(
    *images: torch.Tensor,
    titles: Sequence[str] | None = None,
    width: float = 4.0,
    axes=None,
):
    """Show images ([1, 3, H, W] tensors in [0, 1], or PIL images) side by side; return the figure."""
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images")
    if axes is None:
        fig, axes = plt.subplots(1, len(images), figsize=(width * len(images), width), squeeze=False)
        axes = axes[0]
    else:
        fig = axes[0].figure
    for i, (ax, image) in enumerate(zip(axes, images)):
        ax.imshow(image if not isinstance(image, torch.Tensor) else to_pil(image))
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(titles[i])
    fig.tight_layout()
    return fig


def plot_losses(
    history: Sequence[dict], *, keys: Sequence[str] = ("content", "style"), ax=None, label: str = ""
):
    """Loss terms against step on a log scale (terms that are all zero are skipped)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    steps = [h["step"] for h in history]
    for key in keys:
        values = [h.get(key, 0.0) for h in history]
        if any(values):
            ax.plot(steps, values, label=f"{label} {key}".strip())
    ax.set_yscale("log")
    ax.set_xlabel("step (loss evaluations)")
    ax.set_ylabel("loss")
    ax.legend()
    return ax
