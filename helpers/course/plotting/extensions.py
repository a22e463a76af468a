"""Plots of notebooks 08-10: the trade-off losses, blends of styles, TV details, large textures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch

from ...core.result import Result
from ...imaging.images import to_pil
from .basics import image_grid


def plot_final_losses(final_losses: Mapping[float, Mapping[str, float]], *, title: str | None = None):
    """Content and style loss of the returned image against alpha/beta, on log-log axes."""
    ratios = list(final_losses)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.loglog(ratios, [final_losses[r]["content"] for r in ratios], "o-", label=r"$\mathcal{L}_{content}$")
    ax.loglog(ratios, [final_losses[r]["style"] for r in ratios], "s-", label=r"$\mathcal{L}_{style}$")
    ax.set_xlabel(r"$\alpha/\beta$")
    ax.set_ylabel("loss of the returned image")
    if title:
        ax.set_title(title)
    ax.legend()
    return fig


def plot_blends(runs: Mapping[tuple[float, ...], Result], names: Sequence[str]):
    """One picture per blend of two styles, then each style's final loss against the first weight."""
    n = len(runs)
    widths = {"width_ratios": [1] * n + [1.1]}
    fig, axes = plt.subplots(1, n + 1, figsize=(3.5 * (n + 1), 3.2), gridspec_kw=widths)
    for ax, (weights, result) in zip(axes, runs.items()):
        ax.imshow(result.pil())
        ax.set_title(f"{weights[0]:.0%} {names[0]}, {weights[1]:.0%} {names[1]}", fontsize=9)
        ax.axis("off")
    first = [weights[0] for weights in runs]
    for i, (name, marker) in enumerate(zip(names, "os")):
        losses = [r.final[f"style_{i}"] for r in runs.values()]
        axes[-1].semilogy(first, losses, f"{marker}-", label=f"style_{i} ({name})")
    axes[-1].set_xlabel(f"weight of {names[0]}")
    axes[-1].set_ylabel("final style loss")
    axes[-1].legend(fontsize=8)
    fig.tight_layout()
    return fig


def centre_crop(image: torch.Tensor) -> torch.Tensor:
    """A detail of an image: a square a third of its height, left of centre and above it."""
    h, w = image.shape[-2:]
    return image[..., h // 4 : h // 4 + h // 3, w // 3 : w // 3 + h // 3]


def plot_with_details(images: Sequence[torch.Tensor], labels: Sequence[str], *, cell: float = 3.4):
    """A row of images and, below, the same detail of each, enlarged."""
    return image_grid(
        [list(images), [centre_crop(x) for x in images]],
        col_labels=list(labels),
        row_labels=["whole", "detail"],
        cell=cell,
    )


def plot_texture_beside_source(source: torch.Tensor, texture: torch.Tensor):
    """The source and a larger texture on the same pixel scale, so that their sizes compare."""
    h, w = texture.shape[-2:]
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), gridspec_kw={"width_ratios": [1, 2]})
    for ax, image, title in zip(axes, [source, texture], ["source", "texture"]):
        ax.imshow(to_pil(image), extent=(0, image.shape[-1], image.shape[-2], 0))
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        ax.set_title(f"{title} {image.shape[-1]}x{image.shape[-2]}")
        ax.axis("off")
    fig.tight_layout()
    return fig
