"""Plots for notebook 02 (images as tensors): a patch of pixel values, value histograms, and the
network's input under each weight set's convention. Each returns its figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch

# Colour of each RGB channel in the plots.
RGB_COLOURS = ("tab:red", "tab:green", "tab:blue")


def pixel_patch(image: torch.Tensor, top: int, left: int, *, channel: int = 0, side: int = 8):
    """A ``side`` x ``side`` patch of one channel, each pixel labelled with its byte value 255 x."""
    patch = image[0, channel, top : top + side, left : left + side]
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.imshow(patch.numpy(), cmap=("Reds_r", "Greens_r", "Blues_r")[channel], vmin=0, vmax=1)
    for i in range(patch.shape[0]):
        for j in range(patch.shape[1]):
            value = patch[i, j].item()
            colour = "black" if value > 0.5 else "white"
            ax.text(j, i, f"{round(255 * value)}", ha="center", va="center", fontsize=8, color=colour)
    name = ("red", "green", "blue")[channel]
    ax.set(
        title=f"{name} channel, rows {top}-{top + side - 1}, columns {left}-{left + side - 1}",
        xticks=[],
        yticks=[],
    )
    return fig


def channel_histograms(image: torch.Tensor, mean_bgr: Sequence[float]):
    """The image's values per channel on the 0-255 scale, with Caffe's mean pixel as dashed lines."""
    fig, ax = plt.subplots(figsize=(7, 3))
    for c, name in enumerate(["red", "green", "blue"]):
        values = 255 * image[0, c].flatten().numpy()
        ax.hist(values, bins=64, range=(0, 255), histtype="step", color=RGB_COLOURS[c], label=name)
        ax.axvline(mean_bgr[2 - c], color=RGB_COLOURS[c], linestyle="--")  # the mean is stored B, G, R
    ax.set(
        xlabel="pixel value (0-255)",
        ylabel="count",
        title="The photo's values and Caffe's mean pixel (dashed)",
    )
    ax.legend()
    return fig


def input_histograms(inputs: Mapping[str, torch.Tensor], orders: Mapping[str, str]):
    """One panel per convention: the network input's values per channel, coloured by the colour it holds.

    ``inputs`` is {convention: x_in [1, 3, H, W]}, ``orders`` {convention: "BGR" or "RGB"}.
    """
    fig, axes = plt.subplots(1, len(inputs), figsize=(5.5 * len(inputs), 3))
    for ax, (convention, x_in) in zip(axes, inputs.items()):
        order = orders[convention]
        for c in range(3):
            colour = RGB_COLOURS["RGB".index(order[c])]
            values = x_in[0, c].flatten().numpy()
            ax.hist(values, bins=64, histtype="step", color=colour, label=f"channel {c} ({order[c]})")
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set(
            title=f"network input, {convention} convention: {x_in.min():.1f} to {x_in.max():.1f}",
            xlabel="value",
        )
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
