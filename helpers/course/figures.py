"""The paper's figures: the runs behind each one, the plots that lay them out, and the files.

Three layers, each usable on its own:

* ``*_runs`` functions perform the optimisations of one figure and return its
  :class:`~helpers.result.Result` objects (notebooks call these and show the pieces);
* ``plot_*`` functions lay results out as in the paper (labelled grids, panel letters, insets);
* :func:`figure1`, :func:`figure2`, :func:`figure3` and :func:`figure_init` do both and return a
  :class:`PaperFigure`, whose :meth:`~PaperFigure.save` writes the PNG and, beside it, a JSON of
  the settings, seeds, final losses, seconds and versions, enough to regenerate it exactly.
  ``python -m helpers figures`` (and ``make figures``) calls :func:`render`.

Paper settings throughout: the original Caffe VGG19 weights, average pooling, content at
``conv4_2``, style on ``conv1_1 ... conv5_1`` with :math:`w_l = 1/5`, L-BFGS from white noise.
Keyword arguments not named here (``size``, ``steps``, ``seed``, ``weights``, ``device`` ...) go
to :func:`helpers.stylize`.
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import matplotlib.patheffects as path_effects
import matplotlib.pyplot as plt
import torch
from PIL import Image
from tqdm.auto import tqdm

from ..base.config import choose, quick_mode
from ..base.errors import ImageNotFoundError, SettingsError
from ..core.result import Result
from ..core.vgg import STYLE_LAYERS
from ..imaging.catalog import lookup
from ..imaging.files import atomic_path, write_json
from ..imaging.images import load_image
from ..synthesis.stylize import stylize
from .plotting import image_grid

#: arXiv Fig. 1, bottom row: content reconstructed from each of these layers alone.
FIG1_CONTENT_LAYERS: tuple[str, ...] = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
#: arXiv Fig. 1 top row and Fig. 3 rows: style matched on growing sets of layers.
GROWING_STYLE_SETS: tuple[tuple[str, ...], ...] = tuple(
    STYLE_LAYERS[: i + 1] for i in range(len(STYLE_LAYERS))
)
#: arXiv Fig. 2: panel letter, painting (catalogue name) and alpha/beta.
FIG2_PANELS: tuple[tuple[str, str, float], ...] = (
    ("B", "shipwreck", 1e-3),
    ("C", "starry_night", 1e-3),
    ("D", "scream", 1e-3),
    ("E", "femme_nue_assise", 1e-4),
    ("F", "composition_vii", 1e-4),
)
#: arXiv Fig. 3 columns.
FIG3_RATIOS: tuple[float, ...] = (1e-5, 1e-4, 1e-3, 1e-2)
#: CVPR Fig. 6: alpha/beta of every panel, and how many noise seeds.
INIT_RATIO = 1e-3
INIT_SEEDS = 4

#: The figures ``python -m helpers figures`` knows, in order, with their file names.
FIGURES: tuple[str, ...] = ("1", "2", "3", "init")
FILE_NAMES = {"1": "figure1", "2": "figure2", "3": "figure3", "init": "figure_init"}

# Size and steps per figure on a laptop CPU: recognisable, and a few minutes each (see README).
_DEFAULT_RUNS = {
    "1": {"size": 192, "steps": 200},
    "2": {"size": 256, "steps": 300},
    "3": {"size": 160, "steps": 200},
    "init": {"size": 192, "steps": 200},
}
_QUICK_RUN = {"size": 48, "steps": 4}
CELL_INCHES = 2.6


def default_run(figure: str) -> dict:
    """Size and steps that give a recognisable figure on a laptop CPU (tiny under NST_QUICK=1).

    Under NST_QUICK=1: 48 px and 4 steps for every figure (seconds each).

    ===========  ======  =====  ====  ===============================================
    figure       size    steps  runs  minutes on a 2-core laptop CPU (0.18 s/step @256)
    ===========  ======  =====  ====  ===============================================
    ``"1"``      192 px  200    10    ~2
    ``"2"``      256 px  300    5     ~5
    ``"3"``      160 px  200    20    ~5
    ``"init"``   192 px  200    6     ~2
    ===========  ======  =====  ====  ===============================================

    On a GPU, ``size=512`` and ``steps=1000`` come close to the paper's pictures.
    """
    if figure not in _DEFAULT_RUNS:
        raise SettingsError(f"unknown figure {figure!r}: use one of {', '.join(FIGURES)}")
    return dict(choose(_DEFAULT_RUNS[figure], quick=_QUICK_RUN))


def layer_set_label(layers: Sequence[str]) -> str:
    """``conv1_1`` or ``conv1_1 … conv3_1``: how a growing layer set is labelled."""
    return layers[0] if len(layers) == 1 else f"{layers[0]} … {layers[-1]}"


def ratio_label(ratio: float) -> str:
    """``α/β = 1e-3``: how the paper's ratios are labelled."""
    mantissa, exponent = f"{ratio:.0e}".split("e")
    return f"α/β = {mantissa}e{int(exponent)}"


def _credit(source: object) -> tuple[str, str]:
    """(artist, title) of a catalogue image, or the source's name for a file of yours."""
    try:
        entry = lookup(str(source))
    except ImageNotFoundError:
        return "", Path(str(source)).stem
    return entry.artist, entry.title


# --------------------------------------------------------------------------------------- runs

Progress = bool | Callable[[str, str, int, int, Result], None]


def run_jobs(jobs: dict, progress: Progress, desc: str) -> dict:
    """Run the jobs in order; stop the figure (not just one panel) on Ctrl-C."""
    results = {}
    bar = tqdm(jobs.items(), desc=desc, disable=progress is not True, unit="image")
    for i, (key, job) in enumerate(bar, start=1):
        result = job()
        if result.stopped == "interrupted":
            raise KeyboardInterrupt
        results[key] = result
        if callable(progress):
            progress(desc, str(key), i, len(jobs), result)
    return results


def content_reconstruction_runs(
    content: object = "tubingen",
    layers: Sequence[str] = FIG1_CONTENT_LAYERS,
    *,
    progress: Progress = True,
    **run,
) -> dict[str, Result]:
    """Fig. 1 (bottom row): white noise optimised to match the content at one layer each."""
    jobs = {
        layer: (lambda layer=layer: stylize(content, None, content_layers=[layer], progress=False, **run))
        for layer in layers
    }
    return run_jobs(jobs, progress, "content reconstructions")


def style_reconstruction_runs(
    style: object = "starry_night",
    layer_sets: Sequence[Sequence[str]] = GROWING_STYLE_SETS,
    *,
    content_shape: tuple[int, int] | None = None,
    progress: Progress = True,
    **run,
) -> dict[str, Result]:
    """Fig. 1 (top row): textures matching the style's Gram matrices on growing layer sets."""
    jobs = {
        layer_set_label(layers): (
            lambda layers=layers: stylize(
                None, style, style_layers=list(layers), shape=content_shape, progress=False, **run
            )
        )
        for layers in layer_sets
    }
    return run_jobs(jobs, progress, "style reconstructions")


def style_transfer_runs(
    content: object = "tubingen",
    panels: Sequence[tuple[str, str, float]] = FIG2_PANELS,
    *,
    done: Mapping[str, Result] | None = None,
    progress: Progress = True,
    **run,
) -> dict[str, Result]:
    """Fig. 2: the photo rendered after each painting at the paper's alpha/beta, keyed by panel.

    ``done`` maps panel letters to runs you already made with the same settings (a notebook's
    run with a callback, say); they are reused, not repeated.
    """
    done = dict(done or {})

    def job(letter: str, style: object, ratio: float) -> Callable[[], Result]:
        if letter in done:
            return lambda: done[letter]
        return lambda: stylize(content, style, ratio=ratio, progress=False, **run)

    jobs = {letter: job(letter, style, ratio) for letter, style, ratio in panels}
    return run_jobs(jobs, progress, "style transfers")


def tradeoff_runs(
    content: object = "tubingen",
    style: object = "composition_vii",
    layer_sets: Sequence[Sequence[str]] = GROWING_STYLE_SETS,
    ratios: Sequence[float] = FIG3_RATIOS,
    *,
    progress: Progress = True,
    **run,
) -> dict[tuple[str, float], Result]:
    """Fig. 3: layer sets (rows) against alpha/beta (columns), keyed by (row label, ratio)."""
    jobs = {
        (layer_set_label(layers), ratio): (
            lambda layers=layers, ratio=ratio: stylize(
                content, style, style_layers=list(layers), ratio=ratio, progress=False, **run
            )
        )
        for layers in layer_sets
        for ratio in ratios
    }
    return run_jobs(jobs, progress, "layer sets x ratios")


def initialisation_runs(
    content: object = "tubingen",
    style: object = "starry_night",
    seeds: Sequence[int] = tuple(range(INIT_SEEDS)),
    *,
    ratio: float = INIT_RATIO,
    progress: Progress = True,
    **run,
) -> dict[str, Result]:
    """CVPR Fig. 6: start from the content image, from the style image, and from noise seeds."""
    run = {k: v for k, v in run.items() if k != "seed"}
    common = {"ratio": ratio, "progress": False, **run}
    jobs = {
        "content": lambda: stylize(content, style, init="content", **common),
        "style": lambda: stylize(content, style, init="style", **common),
    }
    for seed in seeds:
        jobs[f"noise {seed}"] = lambda seed=seed: stylize(content, style, init="noise", seed=seed, **common)
    return run_jobs(jobs, progress, "initialisations")


class Frames:
    """A :func:`stylize` callback that keeps the image every ``every`` steps, to watch a run form.

    ``stylize(..., callback=frames)``, then ``frames.plot()`` shows the strip. The images are the
    optimiser's current iterates (clamped to [0, 1]), so early frames show the noise it starts from.
    """

    def __init__(self, every: int = 25) -> None:
        if every < 1:
            raise SettingsError(f"every must be at least 1, got {every}")
        self.every = int(every)
        self.steps: list[int] = []
        self.images: list[torch.Tensor] = []
        self.losses: list[dict] = []

    def __call__(self, step: int, image: torch.Tensor, losses: dict) -> None:
        if step == 1 or step % self.every == 0:
            self.steps.append(step)
            self.images.append(image.detach().float().cpu().clone())
            self.losses.append(dict(losses))

    def __len__(self) -> int:
        return len(self.images)

    def plot(self, *, most: int = 8, cell: float = 2.0):
        """The frames in one labelled row (at most ``most``, evenly spaced, always the last)."""
        if not self.images:
            raise SettingsError("no frames recorded yet: pass this object as stylize(callback=...)")
        picks = sorted({round(i * (len(self) - 1) / max(1, most - 1)) for i in range(min(most, len(self)))})
        fig = image_grid(
            [[self.images[i] for i in picks]],
            col_labels=[f"step {self.steps[i]}" for i in picks],
            cell=cell,
        )
        return _fit(fig, 1, len(picks), _aspect(self.images), cell=cell)


# --------------------------------------------------------------------------------------- plots


def _axes(fig, n_cols: int, row: int, col: int):
    return fig.axes[row * n_cols + col]


def _fit(fig, rows: int, cols: int, aspect: float, *, cell: float = CELL_INCHES):
    """Shrink a grid's height to its images' aspect (h / w), leaving room for the labels."""
    fig.set_size_inches(cell * cols, cell * aspect * rows + 0.45 * rows + 0.5)
    fig.tight_layout()
    return fig


def _aspect(images) -> float:
    h, w = next(iter(images)).shape[-2:]
    return h / w


def _letter(ax, letter: str) -> None:
    """A panel letter in the top-left corner, white with a dark outline (readable on any image)."""
    ax.text(
        0.03,
        0.97,
        letter,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=14,
        fontweight="bold",
        color="white",
        gid="panel-letter",
        path_effects=[path_effects.withStroke(linewidth=2.5, foreground="black")],
    )


def add_inset(ax, image: torch.Tensor, *, height: float = 0.38, label: str = "inset"):
    """Draw ``image`` in the lower-left corner of a panel, as the paper shows each painting.

    ``height`` is the inset's share of the panel height; its width follows the image's aspect.
    Returns the inset axes (its label is ``label``, for tests and later styling).
    """
    panel_h, panel_w = (ax.get_images()[0].get_array().shape[:2]) if ax.get_images() else (1, 1)
    h, w = image.shape[-2:]
    width = min(0.5, height * (w / h) * (panel_h / panel_w))
    inset = ax.inset_axes([0.0, 0.0, width, height])
    inset.imshow(image[0].permute(1, 2, 0).clamp(0, 1).numpy(), aspect="auto")
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_edgecolor("white")
        spine.set_linewidth(1.5)
    inset.set_label(label)
    return inset


def plot_figure1(
    content_results: dict[str, Result],
    style_results: dict[str, Result],
    *,
    content: object | None = None,
    style: object | None = None,
):
    """Style reconstructions (top row) above content reconstructions (bottom row), labelled.

    Given ``content`` and ``style`` (the inputs), they open each row as in the paper.
    """
    inputs = content is not None and style is not None
    shape = next(iter(content_results.values())).image.shape[-2:] if content_results else None
    top = [r.image for r in style_results.values()]
    bottom = [r.image for r in content_results.values()]
    top_titles, bottom_titles = list(style_results), list(content_results)
    if inputs:
        size = max(shape) if shape else None
        top = [load_image(style, size), *top]
        bottom = [load_image(content, size), *bottom]
        top_titles = ["style image", *top_titles]
        bottom_titles = ["content image", *bottom_titles]
    fig = image_grid(
        [top, bottom],
        row_labels=["style reconstructions", "content reconstructions"],
        col_labels=top_titles,
        title="Fig. 1: what each layer keeps of content and style",
    )
    n_cols = max(len(top), len(bottom))
    for c, title in enumerate(bottom_titles):
        _axes(fig, n_cols, 1, c).set_title(title, fontsize=10)
    return _fit(fig, 2, n_cols, _aspect(bottom or top))


def plot_figure2(
    results: dict[str, Result],
    *,
    content: object = "tubingen",
    panels: Sequence[tuple[str, str, float]] = FIG2_PANELS,
    insets: bool = True,
):
    """Fig. 2: the photo (A) and its renderings (B-F), lettered, each painting inset bottom-left.

    The photo and the paintings are loaded here, at run time; only the renderings are results.
    """
    shape = next(iter(results.values())).image.shape[-2:]
    size = max(shape)
    cells: list = [load_image(content, size)] + [results[letter].image for letter, _, _ in panels]
    n_cols = 3
    rows = [cells[i : i + n_cols] for i in range(0, len(cells), n_cols)]
    artist, title = _credit(content)
    fig = image_grid(rows, title=f"Fig. 2: {title}, after {len(panels)} paintings")
    captions = [f"{title}\nphoto: {artist}" if artist else title]
    for _, style, ratio in panels:
        s_artist, s_title = _credit(style)
        captions.append(f"{s_title}\n{s_artist + ' · ' if s_artist else ''}{ratio_label(ratio)}")
    for i, caption in enumerate(captions):
        ax = _axes(fig, n_cols, i // n_cols, i % n_cols)
        _letter(ax, "ABCDEF"[i])
        ax.set_xlabel(caption, fontsize=8)
        if i and insets:
            _, style, _ = panels[i - 1]
            add_inset(ax, load_image(style, max(size, 64)), label=f"inset {style}")
    return _fit(fig, len(rows), n_cols, _aspect(cells))


def plot_tradeoffs(results: dict[tuple[str, float], Result], *, title: str | None = None):
    """Fig. 3's grid: one row per layer set, one column per alpha/beta."""
    rows = list(dict.fromkeys(key[0] for key in results))
    ratios = list(dict.fromkeys(key[1] for key in results))
    grid = [[results[(row, ratio)].image for ratio in ratios] for row in rows]
    fig = image_grid(grid, row_labels=rows, col_labels=[ratio_label(r) for r in ratios], title=title)
    return _fit(fig, len(rows), len(ratios), _aspect(r.image for r in results.values()))


def plot_initialisation(results: dict[str, Result]):
    """CVPR Fig. 6 in one row: from the content (A), from the style (B), from noise seeds (C)."""
    labels = []
    for key in results:
        if key == "content":
            labels.append("A: from the content")
        elif key == "style":
            labels.append("B: from the style")
        else:
            labels.append(f"C: {key.replace('noise', 'noise, seed')}")
    fig = image_grid(
        [[r.image for r in results.values()]],
        col_labels=labels,
        title="CVPR Fig. 6: where the optimisation starts",
    )
    return _fit(fig, 1, len(labels), _aspect(r.image for r in results.values()))


def grid_labels(fig) -> dict:
    """The labels a grid figure shows: titles, row labels, panel letters, insets (for tests)."""
    panels = [ax for ax in fig.axes if ax.get_images()]
    return {
        "panels": len(panels),
        "titles": [ax.get_title() for ax in panels],
        "row_labels": [ax.get_ylabel() for ax in panels if ax.get_ylabel()],
        "captions": [ax.get_xlabel() for ax in panels if ax.get_xlabel()],
        "letters": [t.get_text() for ax in panels for t in ax.texts if t.get_gid() == "panel-letter"],
        "insets": [child.get_label() for ax in panels for child in ax.child_axes],
        "suptitle": fig.get_suptitle(),
    }


# ------------------------------------------------------------------------------ whole figures


@dataclass
class PaperFigure:
    """One rendered figure: the matplotlib figure, its runs, and how they were made."""

    name: str
    fig: matplotlib.figure.Figure
    results: dict[str, Result]
    panels: dict[str, dict] = field(default_factory=dict)
    run: dict = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> dict:
        """Settings (shared and per panel), seeds, final losses, seconds, versions, device, layout."""
        settings = [r.settings for r in self.results.values()]
        shared = {k: v for k, v in settings[0].items() if all(s.get(k) == v for s in settings)}
        panels = {}
        for key, result in self.results.items():
            own = {k: v for k, v in result.settings.items() if k not in shared}
            panels[key] = {
                **self.panels.get(key, {}),
                "settings": own,
                "final_losses": {k: v for k, v in result.final.items() if k not in ("step", "seconds")},
                "best_step": result.best_step,
                "steps_run": len(result.history),
                "seconds": round(result.seconds, 3),
                "stopped": result.stopped,
            }
        return {
            "figure": self.name,
            "command": regenerate_command(self.name, self.command_run()),
            "settings": shared,
            "seeds": sorted({s["seed"] for s in settings}),
            "panels": panels,
            "layout": grid_labels(self.fig),
            "seconds": round(self.seconds, 3),
            "versions": versions(),
            "device": shared.get("device", "mixed"),
            "quick_mode": quick_mode(),
        }

    def command_run(self) -> dict:
        """The run settings as resolved (precision, device, first seed), for an exact rerun."""
        resolved = dict(self.run)
        seeds = [r.settings["seed"] for r in self.results.values()]
        for key in ("weights", "pooling", "optimizer", "lr", "precision", "device"):
            values = {str(r.settings.get(key)) for r in self.results.values()}
            if len(values) == 1 and key in next(iter(self.results.values())).settings:
                resolved[key] = next(iter(self.results.values())).settings[key]
        resolved["seed"] = min(seeds)
        return resolved

    def dpi(self) -> int:
        """Dots per inch that show the panels at about their own pixel size."""
        side = max(max(r.image.shape[-2:]) for r in self.results.values())
        return int(min(200, max(72, round(side / CELL_INCHES))))

    def save(self, folder: str | Path, *, stem: str | None = None, palette: bool = False) -> Path:
        """Write ``<stem>.png`` and ``<stem>.json`` into ``folder`` (atomically); return the PNG.

        ``palette=True`` stores 256 adaptive colours (about a third of the bytes; for the
        committed gallery, where the repository should stay small).
        """
        folder = Path(folder)
        path = folder / f"{stem or FILE_NAMES.get(self.name, self.name)}.png"
        dpi = self.dpi()
        with atomic_path(path) as tmp:
            self.fig.savefig(tmp, format="png", dpi=dpi)
            if palette:
                with Image.open(tmp) as full:
                    small = full.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
                small.save(tmp, format="PNG", optimize=True)
        summary = self.summary()
        with Image.open(path) as written:
            width, height = written.size
        summary["image"] = {"file": path.name, "dpi": dpi, "width": width, "height": height}
        write_json(summary, path.with_suffix(".json"))
        return path

    def close(self) -> None:
        plt.close(self.fig)


def versions() -> dict[str, str]:
    """The versions that decide a figure's pixels: this package, torch, matplotlib, Python."""
    from .. import __version__

    return {
        "helpers": __version__,
        "torch": torch.__version__,
        "matplotlib": matplotlib.__version__,
        "python": platform.python_version(),
    }


def regenerate_command(name: str, run: Mapping) -> str:
    """The command line that renders figure ``name`` (or ``"gallery"``) again with ``run``."""
    parts = ["python -m helpers figures", "--gallery" if name == "gallery" else f"--figure {name}"]
    for key in ("size", "steps", "seed", "weights", "pooling", "optimizer", "lr", "precision", "device"):
        if key in run and (run[key] is not None or key == "weights"):
            parts.append(f"--{key} {'none' if run[key] is None else run[key]}")
    return " ".join(parts)


def _timed(name: str, make: Callable[[], tuple], run: dict) -> PaperFigure:
    start = time.perf_counter()
    fig, results, panels = make()
    return PaperFigure(name, fig, results, panels, run, time.perf_counter() - start)


def _with_defaults(figure: str, run: dict) -> dict:
    """``run`` with the figure's defaults (size, steps) where missing or None."""
    merged = {key: value for key, value in run.items() if value is not None}  # None: stylize's default
    for key, value in default_run(figure).items():
        merged.setdefault(key, value)
    return merged


def figure1(
    content: object = "tubingen", style: object = "starry_night", *, progress: Progress = True, **run
) -> PaperFigure:
    """arXiv Fig. 1: content reconstructions (conv1_1 ... conv5_1) and style reconstructions."""
    run = _with_defaults("1", run)

    def make():
        shape = tuple(load_image(content, run["size"]).shape[-2:])
        c = content_reconstruction_runs(content, progress=progress, **run)
        s = style_reconstruction_runs(style, content_shape=shape, progress=progress, **run)
        results = {f"style {k}": v for k, v in s.items()} | {f"content {k}": v for k, v in c.items()}
        panels = {f"style {k}": {"row": "style", "layers": k} for k in s}
        panels |= {f"content {k}": {"row": "content", "layers": k} for k in c}
        return plot_figure1(c, s, content=content, style=style), results, panels

    return _timed("1", make, run)


def figure2(
    content: object = "tubingen",
    panels: Sequence[tuple[str, str, float]] = FIG2_PANELS,
    *,
    done: Mapping[str, Result] | None = None,
    insets: bool = True,
    progress: Progress = True,
    **run,
) -> PaperFigure:
    """arXiv Fig. 2: the photo (A) after Turner, van Gogh, Munch (1e-3), Picasso, Kandinsky (1e-4)."""
    run = _with_defaults("2", run)

    def make():
        results = style_transfer_runs(content, panels, done=done, progress=progress, **run)
        fig = plot_figure2(results, content=content, panels=panels, insets=insets)
        meta = {letter: {"style": style, "ratio": ratio} for letter, style, ratio in panels}
        return fig, results, meta

    return _timed("2", make, run)


def figure3(
    content: object = "tubingen",
    style: object = "composition_vii",
    *,
    layer_sets: Sequence[Sequence[str]] = GROWING_STYLE_SETS,
    ratios: Sequence[float] = FIG3_RATIOS,
    progress: Progress = True,
    **run,
) -> PaperFigure:
    """arXiv Fig. 3: Composition VII, layer sets (rows) against alpha/beta (columns)."""
    run = _with_defaults("3", run)

    def make():
        grid = tradeoff_runs(content, style, layer_sets, ratios, progress=progress, **run)
        _, title = _credit(style)
        fig = plot_tradeoffs(grid, title=f"Fig. 3: {title}, layer sets against α/β")
        results = {f"{row} @ {ratio:g}": r for (row, ratio), r in grid.items()}
        panels = {f"{row} @ {ratio:g}": {"layers": row, "ratio": ratio} for row, ratio in grid}
        return fig, results, panels

    return _timed("3", make, run)


def figure_init(
    content: object = "tubingen",
    style: object = "starry_night",
    *,
    seeds: Sequence[int] | None = None,
    progress: Progress = True,
    **run,
) -> PaperFigure:
    """CVPR Fig. 6: from the content image, from the style image, from four noise seeds."""
    run = _with_defaults("init", run)
    first = int(run.get("seed", 0))
    seeds = tuple(range(first, first + INIT_SEEDS)) if seeds is None else tuple(seeds)

    def make():
        results = initialisation_runs(content, style, seeds, progress=progress, **run)
        panels = {key: {"init": key.split()[0]} for key in results}
        return plot_initialisation(results), results, panels

    return _timed("init", make, run)


MAKERS: dict[str, Callable[..., PaperFigure]] = {
    "1": figure1,
    "2": figure2,
    "3": figure3,
    "init": figure_init,
}


def render(
    figures: Sequence[str] = FIGURES,
    folder: str | Path = "images/figures",
    *,
    progress: Progress = True,
    **run,
) -> list[Path]:
    """Render figures into ``folder`` (PNG + JSON each), one finished figure at a time."""
    unknown = [f for f in figures if f not in MAKERS]
    if unknown:
        raise SettingsError(f"unknown figure(s) {', '.join(unknown)}: use {', '.join(FIGURES)} or all")
    written = []
    for name in figures:
        figure = MAKERS[name](progress=progress, **run)
        try:
            written.append(figure.save(folder))
        finally:
            figure.close()
    return written


def render_gallery(folder: str | Path = "images/gallery", *, progress: Progress = True, **run) -> list[Path]:
    """The README's gallery: Fig. 2's renderings B-F alone and Fig. 3's grid, as small PNGs.

    Renderings after a painting still under copyright (Picasso's, panel E) are left out: they are
    derivative works. No copy of the photo or the paintings is written: Fig. 2's panels are saved without the
    photo and without insets (each with its JSON), and Fig. 3's grid holds only renderings.
    """
    folder = Path(folder)
    written = []
    fig2 = figure2(progress=progress, insets=False, **run)
    fig2.close()
    # Size and steps only where given: Fig. 3 has its own defaults.
    given = {k: v for k, v in fig2.command_run().items() if k not in ("size", "steps") or run.get(k)}
    command = regenerate_command("gallery", given)
    for letter, style, ratio in FIG2_PANELS:
        if not lookup(style).redistributable:  # a rendering is a derivative of the painting
            continue
        result = fig2.results[letter]
        path = result.save(folder / f"fig2_{letter}_{style}.png", settings=False)
        about = {"figure": "2", "panel": letter, "style": style, "ratio": ratio, "command": command}
        extra = {"versions": versions(), "quick_mode": quick_mode()}
        write_json({**about, **result.summary(), **extra}, path.with_suffix(".json"))
        written.append(path)
    fig3 = figure3(progress=progress, **run)
    try:
        written.append(fig3.save(folder, stem="fig3_composition_vii", palette=True))
    finally:
        fig3.close()
    return written


def print_progress(desc: str, key: str, index: int, total: int, result: Result, out=sys.stdout) -> None:
    """A ``progress`` for the command line: one line per finished panel."""
    final = result.final
    print(
        f"  {desc} {index}/{total}: {key} in {result.seconds:.1f} s, total loss {final.get('total', 0):.4g}",
        file=out,
        flush=True,
    )


def activation_means(net, image: torch.Tensor, layers: Sequence[str]) -> dict[str, float]:
    """Mean response of each layer over filters and positions (the paper's network has 1 here)."""
    with torch.no_grad():
        features = net(image.to(net.device), layers=list(layers))
    return {name: float(features[name].float().mean()) for name in layers}
