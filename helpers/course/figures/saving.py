"""Saving a figure with its provenance: the PNG and, beside it, a JSON of how to make it again.

A :class:`PaperFigure` holds one rendered figure and its runs; :meth:`PaperFigure.save` writes
the PNG and a JSON of the settings (shared and per panel), seeds, final losses, seconds, versions
and the command line that regenerates it exactly (:func:`regenerate_command`).
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import torch
from PIL import Image

from ...base.config import package_version, quick_mode
from ...core.result import Result
from ...imaging.files import atomic_path, write_json
from .layout import CELL_INCHES, grid_labels
from .runs import FILE_NAMES


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
    return {
        "helpers": package_version(),
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
