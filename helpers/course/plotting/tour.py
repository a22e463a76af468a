"""Plots for notebook 01 (setup and tour): the quantised weights of one layer, and run time by size."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import torch


def quantised_weights(weights: torch.Tensor, centroids: torch.Tensor, *, layer: str):
    """Left: a histogram of a layer's weights with its centroids marked; right: the sorted centroids."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
    left.hist(weights.flatten().numpy(), bins=300, color="tab:blue")
    left.set_yscale("log")
    n = centroids.numel()
    left.plot(centroids.numpy(), [0.7] * n, "|", color="tab:red", markersize=12, label=f"the {n} centroids")
    left.set(title=f"{layer}: {weights.numel():,} weights", xlabel="weight value", ylabel="count")
    left.legend()
    right.plot(centroids.numpy(), ".", markersize=3)
    right.set(title=f"{layer}: the centroids, sorted", xlabel="index k (the stored byte)", ylabel="$c_k$")
    fig.tight_layout()
    return fig


def run_times(seconds: Mapping[int, float], *, aspect: float, steps: int, device: str = "cpu"):
    """Estimated minutes for ``steps`` steps against megapixels, from {longer side: seconds per step}."""
    sides = list(seconds)
    megapixels = [side * round(side * aspect) / 1e6 for side in sides]
    minutes = [steps * s / 60 for s in seconds.values()]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(megapixels, minutes, "o-")
    for mp, side, m in zip(megapixels, sides, minutes):
        ax.annotate(f"{side} px", (mp, m), textcoords="offset points", xytext=(5, -12))
    ax.set(xlabel="megapixels", ylabel=f"minutes for {steps} steps", title=f"Estimated run time on {device}")
    ax.margins(x=0.2)
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    return fig
