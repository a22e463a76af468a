"""Plots that show rather than print: images in a row or a labelled grid, feature maps, Gram
matrices as heat maps, loss curves. Every function returns its matplotlib figure (or axes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from PIL import Image

from ...imaging.images import to_pil

Picture = torch.Tensor | Image.Image


def _as_pil(image: Picture) -> Image.Image:
    return image if isinstance(image, Image.Image) else to_pil(image)


def show(*images: Picture, titles: Sequence[str] | None = None, width: float = 4.0):
    """Show images ([1, 3, H, W] tensors in [0, 1], or PIL images) side by side; return the figure."""
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images")
    fig, axes = plt.subplots(1, len(images), figsize=(width * len(images), width), squeeze=False)
    for i, (ax, image) in enumerate(zip(axes[0], images)):
        ax.imshow(_as_pil(image))
        ax.set_axis_off()
        if titles is not None:
            ax.set_title(titles[i])
    fig.tight_layout()
    return fig


def image_grid(
    rows: Sequence[Sequence[Picture | None]],
    *,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    title: str | None = None,
    cell: float = 2.6,
):
    """A labelled grid of images (``None`` leaves a cell empty); returns the figure.

    Row labels go on the left, column labels on top, as in the paper's Figs. 1 and 3.
    """
    n_rows, n_cols = len(rows), max(len(r) for r in rows)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(cell * n_cols, cell * n_rows), squeeze=False)
    for r, row in enumerate(rows):
        for c in range(n_cols):
            ax = axes[r][c]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            image = row[c] if c < len(row) else None
            if image is not None:
                ax.imshow(_as_pil(image))
            if col_labels is not None and r == 0:
                ax.set_title(col_labels[c], fontsize=10)
            if row_labels is not None and c == 0:
                ax.set_ylabel(row_labels[r], fontsize=10)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def feature_maps(features: torch.Tensor, *, channels: int = 16, cols: int = 8, title: str | None = None):
    """The first ``channels`` feature maps of one image's responses [1, N, H, W], each on its own scale."""
    maps = features.detach().float().cpu()[0, :channels]
    rows = -(-len(maps) // cols)
    aspect = maps.shape[1] / maps.shape[2]
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.6 * rows * aspect + 0.4), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < len(maps):
            ax.imshow(maps[i], cmap="viridis")
            ax.set_title(f"#{i}", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def heatmap(matrix: torch.Tensor, *, ax=None, title: str | None = None, cmap: str = "magma"):
    """A matrix (a Gram matrix, say) as a heat map with a colour bar; returns the axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.6))
    data = matrix.detach().float().cpu()
    data = data[0] if data.dim() == 3 else data
    im = ax.imshow(data, cmap=cmap)
    ax.figure.colorbar(im, ax=ax, fraction=0.046)
    ax.set_xlabel("filter j")
    ax.set_ylabel("filter i")
    if title:
        ax.set_title(title)
    return ax


def plot_losses(
    history: Sequence[dict], *, keys: Sequence[str] = ("content", "style"), ax=None, label: str = ""
):
    """Loss terms against step on a log scale (terms that stay zero are skipped); returns the axes."""
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


class MarkdownTable(str):
    """A table that Jupyter shows rendered (Markdown) and a terminal shows as plain text."""

    def _repr_markdown_(self) -> str:
        return str(self)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> MarkdownTable:
    """A small table for a notebook (layers, credits, versions): put it last in a cell to show it.

    Numbers are shown as given; format them first (``f"{x:,}"``) for thousands separators.
    """

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(cell, header)) + " |", "|" + " --- |" * len(header)]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a row has {len(row)} cells for {len(header)} columns: {row!r}")
        lines.append("| " + " | ".join(map(cell, row)) + " |")
    return MarkdownTable("\n".join(lines))


def gallery(images: Sequence[Picture], titles: Sequence[str], *, cols: int = 4, cell: float = 2.6):
    """Thumbnails in rows of ``cols``, each with its own title; returns the figure."""
    if len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images")
    rows = max(1, -(-len(images) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cell * cols, cell * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < len(images):
            ax.imshow(_as_pil(images[i]))
            ax.set_title(titles[i], fontsize=10)
    fig.tight_layout()
    return fig


def plot_runs(
    histories: Mapping[str, Sequence[dict]],
    *,
    key: str = "total",
    relative: bool = False,
    ax=None,
    title: str | None = None,
):
    """One loss curve per run (log scale), to compare runs: layers, optimisers, settings.

    ``histories`` maps a label to a loss history (``result.history``). ``relative=True`` divides
    each curve by its first value, so runs whose losses live on different scales share one plot.
    Returns the axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for label, history in histories.items():
        values = [h[key] for h in history]
        if relative and values and values[0]:
            values = [v / values[0] for v in values]
        ax.plot([h["step"] for h in history], values, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("step (loss evaluations)")
    ax.set_ylabel(f"{key} loss" + (" / its first value" if relative else ""))
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_bars(
    values: Mapping[str, float] | Mapping[str, Mapping[str, float]],
    *,
    ylabel: str = "",
    log: bool = False,
    ax=None,
    title: str | None = None,
):
    """Bars for ``{label: value}``, or grouped bars for ``{series: {label: value}}``; returns the axes.

    Grouped bars put each series side by side over the shared labels (e.g. one group per layer).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    first = next(iter(values.values()), None)
    series = values if isinstance(first, Mapping) else {"": values}
    labels = list(dict.fromkeys(label for s in series.values() for label in s))
    width = 0.8 / len(series)
    for i, (name, data) in enumerate(series.items()):
        xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(labels))]
        ax.bar(xs, [data.get(label, 0.0) for label in labels], width=width, label=name or None)
    ax.set_xticks(range(len(labels)), labels, fontsize=9)
    if log:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if len(series) > 1:
        ax.legend(fontsize=8)
    return ax
