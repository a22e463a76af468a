"""The outcome of an optimisation: the image, its loss history, and the settings that made it."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import torch

from ..imaging.files import write_json
from ..imaging.images import save_image, to_pil


@dataclass
class Result:
    """What :func:`stylize` returns.

    Attributes:
        image: the best image found (lowest total loss), RGB in [0, 1], [1, 3, H, W], on the CPU.
        history: one dict per loss evaluation: ``step``, ``content``, ``style``, ``tv``,
            ``total`` and ``seconds`` since the start.
        settings: everything needed to run it again (JSON-friendly).
        stopped: ``None`` when all steps ran, else ``"stopped"``, ``"interrupted"`` or ``"diverged"``.
        message: one line on how the run ended.
    """

    image: torch.Tensor
    history: list[dict] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    stopped: str | None = None
    message: str = ""
    best_step: int = 0

    @property
    def seconds(self) -> float:
        return self.history[-1]["seconds"] if self.history else 0.0

    @property
    def final(self) -> dict:
        """The history entry of the returned (best) image."""
        for entry in self.history:
            if entry["step"] == self.best_step:
                return entry
        return {}

    def losses(self, key: str = "total") -> list[float]:
        """One loss term per step, e.g. ``result.losses("style")``."""
        return [entry[key] for entry in self.history]

    def pil(self):
        """The image as an 8-bit PIL image."""
        return to_pil(self.image)

    def show(self, title: str | None = None, *, width: float = 4.0):
        """Draw the image with matplotlib, ``width`` inches wide; return the figure.

        In a notebook a ``Result`` on the last line of a cell shows itself (``_repr_png_``);
        ``helpers.show`` puts several images side by side. Drawn here, not through
        ``helpers.plotting``, so that the paper's core needs nothing from the course's aids.
        """
        h, w = self.image.shape[-2:]
        fig, ax = plt.subplots(figsize=(width, width * h / w))
        ax.imshow(self.pil())
        ax.set_axis_off()
        if title:
            ax.set_title(title)
        fig.tight_layout()
        return fig

    def save(self, path: str | Path, *, settings: bool = True, overwrite: bool = True) -> Path:
        """Write the image (format from the suffix) and, beside it, a JSON of the settings.

        The JSON holds the settings, the final losses, the seconds taken and how the run ended,
        so the picture can be regenerated exactly.
        """
        path = Path(path)
        save_image(self.image, path, overwrite=overwrite)
        if settings:
            write_json(self.summary(), path.with_suffix(".json"), overwrite=True)
        return path

    def summary(self) -> dict:
        """Settings, final losses and timing in one JSON-friendly dict."""
        return {
            "settings": self.settings,
            "final_losses": {k: v for k, v in self.final.items() if k not in ("step", "seconds")},
            "best_step": self.best_step,
            "steps_run": len(self.history),
            "seconds": round(self.seconds, 3),
            "stopped": self.stopped,
            "message": self.message,
        }

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.pil().save(buffer, format="PNG")
        return buffer.getvalue()
