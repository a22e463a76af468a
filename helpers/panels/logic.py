r"""What the interactive panels compute, kept apart from the widgets so it is tested without a browser.

* :class:`PanelSettings` holds one setting per control of the style panel (made from the options
  declared with a control in :class:`helpers.synthesis.settings.Settings`), and
  :func:`stylize_kwargs` turns them into the arguments of :func:`helpers.stylize`: the ratio
  :math:`\alpha/\beta`, the style layers that are switched on with their weights :math:`w_l`, the
  content layer, pooling, initialisation, optimiser, size and steps (or the preview's).
* :func:`loss_curves` turns a run's history into the two terms of Eq. 7,
  :math:`\alpha\mathcal{L}_{content}` and :math:`\beta\mathcal{L}_{style}`, and
  :func:`loss_plot_png` draws them.
* :class:`Gallery` keeps the last few results with their settings, for side-by-side comparison.
* :func:`read_upload` validates an uploaded file through :func:`helpers.load_image`.
* :func:`gram_entry` is what the Gram panel shows: two feature maps and the entry
  :math:`G^l_{ij} = \sum_k F^l_{ik} F^l_{jk}` they make.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, make_dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure

from ..base.config import choose
from ..base.errors import ImageError, SettingsError
from ..core.losses import gram_matrix
from ..core.vgg import layer_set_label
from ..imaging.images import ImageSource, load_image, resize, to_pil
from ..synthesis.settings import controls, panel_default

MODES = ("preview", "full")
#: Uploads are kept at most this large (the size slider's maximum).
UPLOAD_MAX_SIDE = 1024


def preview_run() -> dict[str, int]:
    """Size and steps of a preview: an answer within about ten seconds on a 2-core laptop CPU."""
    return choose({"size": 128, "steps": 30}, quick={"size": 64, "steps": 4})


def full_run() -> dict[str, int]:
    """The full-size run's default size and steps (the size and steps controls' defaults)."""
    return {opt.name: panel_default(opt) for opt, _ in controls() if opt.name in ("size", "steps")}


class _PanelSettingsBase:
    """The methods of :class:`PanelSettings` (its fields come from the declared options)."""

    @property
    def style_layers(self) -> list[str]:
        """The style layers switched on, in network order."""
        return _CONTROLS["style_layers"].value_for(self)

    def options(self) -> dict[str, Any]:
        """The :func:`helpers.stylize` options these settings stand for, by option name."""
        return {opt.name: control.value_for(self) for opt, control in controls()}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> PanelSettings:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def copy(self, **changes) -> PanelSettings:
        """A copy with ``changes``; dicts are copied too, so editing one never edits the other."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dict):
                changes.setdefault(f.name, dict(value))
        return replace(self, **changes)


_CONTROLS = {opt.name: control for opt, control in controls()}

#: Every choice the style panel offers, as plain values: ``content`` and ``style`` (keys of the
#: panel's image sources: a catalogue name such as ``"tubingen"``, or ``"upload: photo.jpg"``),
#: then one field per option the panel shows (its :class:`~helpers.synthesis.settings.Control`'s
#: ``field``: ``ratio``, ``layers_on``, ``layer_weights``, ``content_layer``, ...), in the order
#: they are declared in :class:`~helpers.synthesis.settings.Settings`.
PanelSettings = make_dataclass(
    "PanelSettings",
    [
        ("content", str, field(default="tubingen")),
        ("style", str, field(default="starry_night")),
        *[(c.field, Any, field(default_factory=partial(panel_default, o))) for o, c in controls()],
    ],
    bases=(_PanelSettingsBase,),
    namespace={"__module__": __name__},
)


def stylize_kwargs(
    settings: PanelSettings,
    sources: Mapping[str, ImageSource],
    *,
    mode: str = "full",
    weights: str | None = "caffe",
    device: str | torch.device | None = None,
) -> dict:
    """The keyword arguments of :func:`helpers.stylize` for ``settings``.

    ``mode="preview"`` replaces the size and steps by :func:`preview_run`'s. With every style
    layer switched off, the style image is left out and the run reconstructs the content alone
    (Fig. 1, bottom row), whatever the ratio.
    """
    if mode not in MODES:
        raise SettingsError(f"unknown mode {mode!r}: use 'preview' or 'full'")
    for role, key in (("content", settings.content), ("style", settings.style)):
        if key not in sources:
            raise SettingsError(f"no {role} image called {key!r}: pick one from the list or upload one")
    values = settings.options()
    return {
        "content": sources[settings.content],
        "style": sources[settings.style] if values["style_layers"] else None,
        **values,
        **(preview_run() if mode == "preview" else {}),
        "weights": weights,
        "device": device,
        "compile": False,  # an interactive run never waits for a compilation
        "progress": False,
    }


#: How a panel's caption names its style layers: the figures' labelling (helpers.core.layers).
layer_set_text = layer_set_label


def describe(settings: PanelSettings, mode: str = "full") -> list[str]:
    """A short caption in a few lines: what differs between two results at a glance."""
    run = preview_run() if mode == "preview" else {"size": settings.size, "steps": settings.steps}
    weights = sorted({round(settings.layer_weights[n], 3) for n in settings.style_layers})
    w_text = "" if not weights else f" (w_l={weights[0]:g})" if len(weights) == 1 else " (w_l varied)"
    return [
        f"{settings.content} × {settings.style}",
        f"α/β={settings.ratio:.1e} · {layer_set_text(settings.style_layers)}{w_text}",
        f"content {settings.content_layer} · {settings.pooling} pool · {settings.style_loss} loss",
        f"{settings.init} init · {settings.optimizer}"
        + ("" if settings.preserve_color == "none" else f" · {settings.preserve_color} colour"),
        f"{run['size']} px × {run['steps']} steps{' (preview)' if mode == 'preview' else ''}",
    ]


def loss_curves(history: Sequence[Mapping], alpha: float, beta: float = 1.0) -> dict[str, list[float]]:
    r"""Eq. 7's two terms per step: :math:`\alpha\mathcal{L}_{content}` and :math:`\beta\mathcal{L}_{style}`.

    Returns ``{"step": [...], "content": [...], "style": [...], "total": [...]}``; the weighted
    terms are what the optimiser trades against each other, so moving :math:`\alpha/\beta` moves
    one curve against the other.
    """
    return {
        "step": [int(h["step"]) for h in history],
        "content": [alpha * float(h.get("content", 0.0)) for h in history],
        "style": [beta * float(h.get("style", 0.0)) for h in history],
        "total": [float(h.get("total", math.nan)) for h in history],
    }


def loss_plot_png(
    curves: Mapping[str, Sequence[float]],
    *,
    steps: int | None = None,
    width: float = 4.2,
    height: float = 2.6,
) -> bytes:
    r"""The weighted content and style terms against step, log scale, as PNG bytes.

    Drawn on a figure of its own (not pyplot's), so a background thread can draw it safely.
    """
    fig = Figure(figsize=(width, height), dpi=90)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for key, label, colour in (
        ("content", r"$\alpha\,\mathcal{L}_{content}$", "tab:blue"),
        ("style", r"$\beta\,\mathcal{L}_{style}$", "tab:orange"),
    ):
        values = [v if v > 0 else math.nan for v in curves.get(key, [])]
        if any(v == v for v in values):  # skip a term that is all zero (e.g. no style layer)
            ax.plot(curves["step"], values, label=label, color=colour)
    if ax.lines:
        ax.set_yscale("log")
        ax.legend(loc="upper right", fontsize=8)
    if steps:
        ax.set_xlim(0, steps)
    ax.set_xlabel("step (loss evaluations)", fontsize=8)
    ax.set_ylabel("loss term", fontsize=8)
    ax.tick_params(labelsize=7)
    return figure_png(fig)


def figure_png(fig: Figure) -> bytes:
    """A matplotlib figure as PNG bytes (laid out tight first)."""
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def png_bytes(image: torch.Tensor, max_side: int | None = None) -> bytes:
    """A [1, 3, H, W] image in [0, 1] as PNG bytes, shrunk so its longer side is at most ``max_side``."""
    if max_side is not None and max(image.shape[-2:]) > max_side:
        image = resize(image.detach().float().cpu(), max_side)
    buffer = io.BytesIO()
    to_pil(image).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Snapshot:
    """One result kept for comparison: the image, the settings that made it, a thumbnail."""

    result: object
    settings: PanelSettings
    mode: str
    thumbnail: bytes
    lines: list[str]

    @property
    def caption(self) -> str:
        return " · ".join(self.lines)


class Gallery:
    """The last ``keep`` results, newest first."""

    def __init__(self, keep: int = 4, thumbnail_side: int = 128) -> None:
        if keep < 1:
            raise SettingsError(f"keep must be at least 1, got {keep}")
        self.keep = keep
        self.thumbnail_side = thumbnail_side
        self.items: list[Snapshot] = []

    def add(self, result, settings: PanelSettings, mode: str) -> Snapshot:
        """Keep ``result`` (a :class:`helpers.Result`); the oldest drops out beyond ``keep``."""
        final = result.final
        losses = (
            f"L_content {final.get('content', math.nan):.3g}, L_style {final.get('style', math.nan):.3g}"
            if final
            else "no loss recorded"
        )
        ended = f" · {result.stopped} at step {len(result.history)}" if result.stopped else ""
        snapshot = Snapshot(
            result=result,
            settings=settings.copy(),
            mode=mode,
            thumbnail=png_bytes(result.image, self.thumbnail_side),
            lines=[*describe(settings, mode), f"{losses}{ended}"],
        )
        self.items.insert(0, snapshot)
        del self.items[self.keep :]
        return snapshot

    def __len__(self) -> int:
        return len(self.items)


def read_upload(value: object) -> tuple[str, torch.Tensor, list[str]]:
    """The first file of a ``FileUpload`` value as ``(name, image, notes)``.

    The bytes go through :func:`helpers.load_image`, so an upload is accepted or refused exactly
    as a file would be (with the same one-line :class:`~helpers.errors.ImageError`); ``notes``
    holds the loaders' warnings (transparency composited on white). Larger images are shrunk to
    ``UPLOAD_MAX_SIDE`` on their longer side.
    """
    files = list(value.values()) if isinstance(value, Mapping) else list(value or ())
    if not files:
        raise ImageError("no file was uploaded: choose an image file")
    item = files[0]
    name = str(item.get("name") or "upload")
    content = item.get("content", b"")
    data = content.tobytes() if isinstance(content, memoryview) else bytes(content)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            image = load_image(data)
        except ImageError as exc:
            raise ImageError(str(exc).replace("the uploaded file", name, 1)) from None
    if max(image.shape[-2:]) > UPLOAD_MAX_SIDE:  # a phone photo need not sit in memory at 12 MP
        image = resize(image, UPLOAD_MAX_SIDE)
    return name, image, [str(w.message).replace("the uploaded file", name) for w in caught]


def save_path(folder: str | Path, settings: PanelSettings, mode: str = "full") -> Path:
    """A new file name in ``folder`` that says what the image is and never overwrites an older one."""

    def slug(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "image"

    folder = Path(folder)
    stem = f"{slug(settings.content)}_{slug(settings.style)}_ratio{settings.ratio:.0e}_{mode}"
    n = 1
    while (folder / f"{stem}_{n:03d}.png").exists() or (folder / f"{stem}_{n:03d}.json").exists():
        n += 1
    return folder / f"{stem}_{n:03d}.png"


@dataclass
class GramEntry:
    r"""One entry :math:`G^l_{ij} = \sum_k F^l_{ik} F^l_{jk}` with the maps that make it.

    ``product`` is the position-wise product of the two feature maps; its sum is ``value``.
    ``cosine`` is :math:`G_{ij} / \sqrt{G_{ii} G_{jj}}`: 1 when the two filters respond at the same
    places in the same proportions, 0 when they never respond together.
    """

    i: int
    j: int
    f_i: torch.Tensor
    f_j: torch.Tensor
    product: torch.Tensor
    value: float
    cosine: float
    gram: torch.Tensor


def gram_entry(features: torch.Tensor, i: int, j: int) -> GramEntry:
    """The Gram entry of channels ``i`` and ``j`` of one image's responses ``[1, N, H, W]``."""
    if features.dim() != 4 or features.shape[0] != 1:
        raise SettingsError(f"expected one image's responses [1, N, H, W], got {list(features.shape)}")
    n = features.shape[1]
    for name, k in (("i", i), ("j", j)):
        if not 0 <= int(k) < n:
            raise SettingsError(f"channel {name}={k} is out of range: this layer has N_l = {n} (0 … {n - 1})")
    f = features.detach().float().cpu()
    gram = gram_matrix(f)[0]
    f_i, f_j = f[0, int(i)], f[0, int(j)]
    value = float(gram[i, j])
    norm = math.sqrt(float(gram[i, i]) * float(gram[j, j]))
    return GramEntry(
        i=int(i),
        j=int(j),
        f_i=f_i,
        f_j=f_j,
        product=f_i * f_j,
        value=value,
        cosine=value / norm if norm > 0 else 0.0,
        gram=gram,
    )


def strongest_pair(gram: torch.Tensor) -> tuple[int, int]:
    """The off-diagonal entry with the largest value: the two filters that fire together most."""
    g = gram.detach().float().clone()
    g.fill_diagonal_(-math.inf)
    flat = int(torch.argmax(g))
    return flat // g.shape[1], flat % g.shape[1]


def gram_figure_png(entry: GramEntry, layer: str, *, width: float = 11.0) -> bytes:
    """Feature maps i and j, their product (which sums to G_ij) and the heat map with (i, j) marked."""
    fig = Figure(figsize=(width, width / 4.4), dpi=80)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [1, 1, 1, 1.15]})
    panels = (
        (entry.f_i, f"$F_{{{entry.i}}}$: filter i = {entry.i}", "viridis"),
        (entry.f_j, f"$F_{{{entry.j}}}$: filter j = {entry.j}", "viridis"),
        (entry.product, f"$F_i \\odot F_j$ (sums to $G_{{ij}}$ = {entry.value:.3g})", "magma"),
    )
    for ax, (data, title, cmap) in zip(axes, panels):
        ax.imshow(data.numpy(), cmap=cmap)
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()
    ax = axes[3]
    gram = entry.gram.clamp_min(0).numpy()
    im = ax.imshow(gram, cmap="magma", norm=PowerNorm(0.5, vmin=0, vmax=float(gram.max()) or 1.0))
    bar = fig.colorbar(im, ax=ax, fraction=0.046)
    bar.set_label("$G_{ij}$ (square-root colour scale)", fontsize=7)
    bar.ax.tick_params(labelsize=7)
    n = gram.shape[0]
    ax.plot([entry.j], [entry.i], marker="o", markersize=9, markerfacecolor="none", color="cyan", mew=2)
    ax.axhline(entry.i, color="cyan", lw=0.5, alpha=0.6)
    ax.axvline(entry.j, color="cyan", lw=0.5, alpha=0.6)
    ax.set_title(f"Gram matrix of {layer}: {n}×{n}", fontsize=9, pad=14)  # clear of the bar's 1eN
    ax.set_xlabel("filter j", fontsize=8)
    ax.set_ylabel("filter i", fontsize=8)
    ax.tick_params(labelsize=7)
    return figure_png(fig)
