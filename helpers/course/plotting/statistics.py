"""Plots of notebook 11 (what is a style?): a layer's responses as a cloud of points."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import torch


def plot_feature_clouds(clouds: Mapping[str, torch.Tensor], *, bins: int = 30):
    """Each cloud of two-channel responses ``[1, 2, M]`` (or ``[1, 2, H, W]``) as a scatter plot,
    channel 1 against channel 2, with each channel's histogram along its axis.

    A Gram matrix sees only the cloud's second moments; a histogram loss only the two marginal
    histograms; the sliced Wasserstein loss the whole cloud (along directions).
    """
    size = (3.2 * len(clouds), 4.6)
    fig, axes = plt.subplots(2, len(clouds), figsize=size, height_ratios=[3, 1], squeeze=False)
    points = {name: c.detach().flatten(2)[0].cpu() for name, c in clouds.items()}
    everything = torch.cat(list(points.values()), dim=1)
    lo, hi = float(everything.min()), float(everything.max())
    for column, (name, p) in enumerate(points.items()):
        top, bottom = axes[0, column], axes[1, column]
        top.scatter(p[0], p[1], s=4, alpha=0.5)
        top.set(xlim=(lo, hi), ylim=(lo, hi), title=name, xlabel="channel 1", ylabel="channel 2")
        top.set_aspect("equal")
        for channel, colour in ((0, "C0"), (1, "C1")):
            label = f"channel {channel + 1}"
            bottom.hist(p[channel], bins=bins, range=(lo, hi), alpha=0.5, color=colour, label=label)
        bottom.set_yticks([])
        bottom.legend(fontsize=7)
    fig.tight_layout()
    return fig
