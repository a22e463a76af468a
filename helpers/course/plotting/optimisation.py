"""Plots of notebook 06 (losses and optimisation): several runs compared by their losses and images.

Every function returns its matplotlib figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt

from ...core.result import Result
from .basics import _as_pil, plot_bars, plot_runs


def bar_panels(*panels: Mapping, width: float = 5.5, height: float = 3.2):
    """Bar charts side by side; each panel is a dict of :func:`plot_bars` arguments (``values``, ...)."""
    fig, axes = plt.subplots(1, len(panels), figsize=(width * len(panels), height), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        plot_bars(ax=ax, **panel)
    fig.tight_layout()
    return fig


def final_loss_bars(runs: Mapping[str, Result], keys: Sequence[str] = ("content", "style")):
    """One bar chart per loss term (log scale): each run's final value of that term."""
    return bar_panels(
        *(
            {
                "values": {label: run.final[key] for label, run in runs.items()},
                "ylabel": f"final {key} loss",
                "log": True,
            }
            for key in keys
        ),
        width=5.0,
        height=3.0,
    )


def curves_and_images(runs: Mapping[str, Result], *, key: str = "total", dashed: bool = False):
    """Loss curves of the runs on the left (log scale), the runs' images on the right.

    ``dashed=True`` draws the second and later curves dashed, so curves lying on top of each
    other stay visible.
    """
    fig, axes = plt.subplots(
        1,
        1 + len(runs),
        figsize=(5.6 + 3.2 * len(runs), 3.4),
        gridspec_kw={"width_ratios": [1.7] + [1] * len(runs)},
    )
    plot_runs({label: run.history for label, run in runs.items()}, key=key, ax=axes[0])
    if dashed:
        for line in axes[0].lines[1:]:
            line.set_linestyle("--")
    for ax, (label, run) in zip(axes[1:], runs.items()):
        ax.imshow(_as_pil(run.image))
        ax.set_title(label, fontsize=9)
        ax.set_axis_off()
    fig.tight_layout()
    return fig
