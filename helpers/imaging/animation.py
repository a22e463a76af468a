"""The picture as it forms: frames collected during a run, written as an animated GIF.

:class:`Animation` is a ``stylize`` callback (``callback(step, image, losses)``) that keeps the image
every ``every`` steps; :meth:`Animation.save` writes them, the run's returned image last, as a GIF
with Pillow (already a dependency: no video library needed). An ``.mp4`` needs imageio with its
ffmpeg plugin (``pip install imageio imageio-ffmpeg``); without it, the check says so in one line
before the run starts.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from ..base.errors import SettingsError
from .files import atomic_path
from .images import to_pil
from .video_io import write_video

FORMATS = (".gif", ".mp4")


def check_animation_path(path: str | os.PathLike) -> Path:
    """``path`` if the animation can be written there: a ``.gif``, or an ``.mp4`` with a writer."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise SettingsError(f"an animation is a .gif or an .mp4, not {path.name!r}: name it e.g. run.gif")
    if suffix == ".mp4" and not all(importlib.util.find_spec(m) for m in ("imageio", "imageio_ffmpeg")):
        raise SettingsError(
            "writing .mp4 needs a video writer: pip install imageio imageio-ffmpeg, or use .gif"
        )
    return path


class Animation:
    """A callback that keeps the image every ``every`` steps (step numbers as ``stylize`` counts
    them, across the scales of coarse to fine), then chains to ``callback``."""

    def __init__(self, every: int, callback: Any = None, *, side: int | None = None) -> None:
        if every < 1:
            raise SettingsError(f"frames are kept every N steps with N >= 1, got {every}")
        self.every, self.callback, self.side = int(every), callback, side
        self.frames: list[Image.Image] = []
        self.steps: list[int] = []

    def _frame(self, image: torch.Tensor) -> Image.Image:
        frame = to_pil(image.detach().cpu())
        if self.side and max(frame.size) != self.side:  # every frame the same size (coarse to fine)
            scale = self.side / max(frame.size)
            frame = frame.resize((round(frame.width * scale), round(frame.height * scale)), Image.LANCZOS)
        return frame

    def __call__(self, step: int, image: torch.Tensor, losses: dict) -> None:
        if step % self.every == 0:
            self.frames.append(self._frame(image))
            self.steps.append(step)
        if self.callback is not None:
            self.callback(step, image, losses)

    def save(self, path: str | os.PathLike, final: torch.Tensor | None = None, *, fps: int = 10) -> Path:
        """Write the frames (then ``final``, the returned image, held for a second) to ``path``.

        A GIF merges identical neighbouring frames (the last kept frame is often the returned
        image) into one that shows for their total time."""
        path = check_animation_path(path)
        frames = list(self.frames) + ([self._frame(final)] if final is not None else [])
        durations = [1000 // fps] * len(self.frames) + ([1000] if final is not None else [])
        if not frames:
            raise SettingsError("no frames to write: the run ended before the first kept step")
        size = frames[-1].size
        frames = [f if f.size == size else f.resize(size, Image.LANCZOS) for f in frames]
        if path.suffix.lower() == ".gif":
            with atomic_path(path) as tmp:
                frames[0].save(
                    tmp, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0
                )
        else:  # the returned image held for a second, as in the GIF
            write_video(frames + [frames[-1]] * (fps - 1) if final is not None else frames, path, fps)
        return path
