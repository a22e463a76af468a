"""Plots for notebook 03 (inside VGG19): shapes and receptive fields by depth, a unit's gradient,
max against average pooling. Each returns its figure, so that a notebook cell stays a few lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Rectangle

from ...core.vgg import LayerInfo
from ...imaging.images import to_pil


def layer_geometry(table: Sequence[LayerInfo], *, title: str | None = None):
    """Three panels over depth, each in its own unit: N_l (filters), M_l (positions), r_l (pixels).

    N_l and M_l are counts of different things and r_l is a length, so each gets its own log axis.
    """
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4), sharex=True)
    depth = range(len(table))
    panels = [
        ("$N_l$: filters", [r.channels for r in table], "o-", "tab:blue"),
        ("$M_l = H_l W_l$: positions per map", [r.positions for r in table], "s-", "tab:orange"),
        ("$r_l$: receptive field (px)", [r.receptive_field for r in table], "^-", "tab:green"),
    ]
    for ax, (label, values, marker, colour) in zip(axes, panels):
        ax.semilogy(depth, values, marker, color=colour)
        ax.set_title(label)
        ax.set_xticks(list(depth), [r.name for r in table], rotation=90, fontsize=7)
        ax.grid(alpha=0.3, which="both")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def receptive_field_squares(image: torch.Tensor, fields: Mapping[str, int], *, ax=None):
    """The receptive field of each layer in ``fields`` ({name: r_l}) as a square around the image's centre."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.2))
    height, width = image.shape[-2:]
    ax.imshow(to_pil(image))
    colours = plt.cm.viridis(torch.linspace(0, 0.9, len(fields)).numpy())
    for (layer, r), colour in zip(fields.items(), colours):
        corner = (width / 2 - r / 2, height / 2 - r / 2)
        ax.add_patch(Rectangle(corner, r, r, fill=False, color=colour, linewidth=2, label=f"{layer}: {r} px"))
    ax.set(xlim=(-0.5, width - 0.5), ylim=(height - 0.5, -0.5), xticks=[], yticks=[])
    ax.set_title("receptive fields around the centre")
    ax.legend(fontsize=7, loc="lower left", framealpha=0.8)
    return ax.figure


def unit_gradient_support(
    gradient: torch.Tensor, centre: tuple[float, float], predicted: int, *, layer: str = "the unit"
):
    """|d unit / d pixels| beside where it is nonzero, with the predicted square (dashed red)."""
    centre_y, centre_x = centre
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    axes[0].imshow(gradient.numpy(), cmap="magma")
    axes[0].set_title(f"|∂ {layer}(centre) / ∂ pixels|")
    axes[1].imshow((gradient > 0).numpy(), cmap="gray")
    axes[1].set_title("where it is not zero\n(red: the square the formula predicts)")
    corner = (centre_x - predicted / 2, centre_y - predicted / 2)
    axes[1].add_patch(
        Rectangle(corner, predicted, predicted, fill=False, color="tab:red", linewidth=1.5, linestyle="--")
    )
    for ax in axes:
        ax.set(
            xlim=(centre_x - predicted, centre_x + predicted),
            ylim=(centre_y + predicted, centre_y - predicted),
            xticks=[],
            yticks=[],
        )
    fig.tight_layout()
    return fig


def pooling_crops(crops: Mapping[str, torch.Tensor]):
    """Maps side by side on the first one's colour scale (a response and its two poolings)."""
    fig, axes = plt.subplots(1, len(crops), figsize=(3.7 * len(crops), 3.8))
    vmax = next(iter(crops.values())).max().item()
    for ax, (title, m) in zip(axes, crops.items()):
        ax.imshow(m.numpy(), cmap="viridis", vmin=0, vmax=vmax)
        ax.set_title(f"{title}: {m.shape[1]}×{m.shape[0]} crop")
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def gradient_reach(
    reach: Mapping[str, Mapping[str, float]],
    maps: Mapping[str, torch.Tensor],
    *,
    label: str,
    corner: int = 16,
):
    """Bars: the fraction of units that receive a gradient, per pooling; maps: where, in one corner.

    ``reach`` is {pooling: {layer: fraction}}, ``maps`` {pooling: a [H, W] gradient map}.
    """
    fig, (bars, *panels) = plt.subplots(
        1, 1 + len(maps), figsize=(12, 3.4), gridspec_kw={"width_ratios": [1.3] + [1] * len(maps)}
    )
    layers = list(next(iter(reach.values())))
    width = 0.8 / len(reach)
    for i, (pooling, values) in enumerate(reach.items()):
        xs = [k + (i - (len(reach) - 1) / 2) * width for k in range(len(layers))]
        bars.bar(xs, [values[name] for name in layers], width, label=f"{pooling} pooling")
    bars.set_xticks(range(len(layers)), layers)
    bars.set(ylabel="fraction with a gradient", title="Units reached by the gradient", ylim=(0, 1.15))
    bars.legend(fontsize=8, loc="center right")
    for ax, (pooling, grad) in zip(panels, maps.items()):
        ax.imshow((grad[:corner, :corner].abs() > 0).numpy(), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{pooling}: {label}, {corner}×{corner} corner\n(white: receives a gradient)")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig
