"""Plots of notebooks 04 and 05 (content and style representations), so that their code cells
stay a few lines long. Every function returns its matplotlib figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch

from ...imaging.images import to_pil
from .basics import heatmap, plot_bars


def plot_pixel_gradients(photo: torch.Tensor, grads: Mapping[str, torch.Tensor]):
    """The photo, then for each layer the gradient's size per pixel, summed over R, G, B."""
    fig, axes = plt.subplots(1, 1 + len(grads), figsize=(4 * (1 + len(grads)), 3.4))
    axes[0].imshow(to_pil(photo))
    axes[0].set_title("the photo")
    for ax, (layer, grad) in zip(axes[1:], grads.items()):
        ax.imshow(grad.detach()[0].abs().sum(0).cpu().numpy(), cmap="magma")
        ax.set_title(f"|∂L/∂x| at the start, content at {layer}")
    for ax in axes:
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def plot_reconstruction_errors(errors: Mapping[str, Mapping[str, float]]):
    """Left: the RMS differences (pixels, coarse, detail) per layer; right: the layout kept."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
    plot_bars(
        {m: errors[m] for m in ("pixels", "coarse", "detail")},
        ylabel="RMS difference from the photo",
        title="what each layer lets go",
        ax=axes[0],
    )
    plot_bars(errors["layout"], ylabel="correlation with the photo", title="layout kept", ax=axes[1])
    axes[1].set_ylim(0, 1.05)
    fig.tight_layout()
    return fig


def plot_tiny_gram(maps: torch.Tensor, gram: torch.Tensor, names: Sequence[str]):
    """Each filter's map of a tiny ``[1, N, H, W]`` layer, then its Gram matrix, numbers written in."""
    n = maps.shape[1]
    fig, axes = plt.subplots(1, n + 1, figsize=(3.25 * (n + 1), 3))
    vmax = float(maps.max())
    for i, name in enumerate(names):
        axes[i].imshow(maps[0, i].detach().cpu().numpy(), cmap="viridis", vmin=0, vmax=vmax)
        axes[i].set_title(name)
        axes[i].set_axis_off()
    heatmap(gram, ax=axes[n], title="Gram matrix G = F Fᵀ")
    for i in range(n):
        for j in range(n):
            axes[n].text(j, i, f"{float(gram[i, j]):.0f}", ha="center", va="center", color="grey")
    axes[n].set_xticks(range(n))
    axes[n].set_yticks(range(n))
    fig.tight_layout()
    return fig


def plot_grams(image: torch.Tensor, grams: Mapping[str, torch.Tensor], layers: Sequence[str], *, title: str):
    """The image, then :math:`\\log_{10}` of each chosen layer's (position-averaged) Gram matrix."""
    fig, axes = plt.subplots(1, 1 + len(layers), figsize=(4.7 * (1 + len(layers)), 4))
    axes[0].imshow(to_pil(image))
    axes[0].set_axis_off()
    axes[0].set_title(title)
    for ax, layer in zip(axes[1:], layers):
        n = grams[layer].shape[-1]
        heatmap(grams[layer].clamp_min(1.0).log10(), ax=ax, title=f"{layer}: log10 of G / M, {n} × {n}")
    fig.tight_layout()
    return fig


def plot_filter_pairs(
    features: torch.Tensor, pairs: Mapping[str, tuple[int, int]], values: Mapping[str, float], *, layer: str
):
    """One row per pair of channels: their two feature maps, labelled with ``values[row]``."""
    fig, axes = plt.subplots(len(pairs), 2, figsize=(8, 3.2 * len(pairs)), squeeze=False)
    for row, (label, (i, j)) in enumerate(pairs.items()):
        for col, channel in enumerate((i, j)):
            axes[row, col].imshow(features.detach()[0, channel].cpu().numpy(), cmap="viridis")
            axes[row, col].set_title(f"{layer} channel {channel}")
            axes[row, col].set_axis_off()
        axes[row, 0].text(
            -0.08,
            0.5,
            f"{label}: cosine {values[label]:.2f}",
            rotation=90,
            va="center",
            ha="right",
            transform=axes[row, 0].transAxes,
        )
    fig.tight_layout()
    return fig


def plot_maps(maps: Sequence[torch.Tensor], titles: Sequence[str]):
    """Feature maps ``[H, W]`` side by side, each on its own colour scale."""
    fig, axes = plt.subplots(1, len(maps), figsize=(4 * len(maps), 3.4), squeeze=False)
    for ax, data, title in zip(axes[0], maps, titles):
        ax.imshow(data.detach().cpu().numpy(), cmap="viridis")
        ax.set_title(title)
        ax.set_axis_off()
    fig.tight_layout()
    return fig
