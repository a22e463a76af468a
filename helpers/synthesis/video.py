r"""Style transfer for a clip, frame by frame, without flicker (Ruder, Dosovitskiy & Brox 2016).

The first frame is stylised as a picture (``first_steps`` from faint noise). Every later frame
:math:`i` starts from the stylised frame :math:`i-1` warped along the input's optical flow, and
minimises :math:`\alpha\mathcal{L}_{content} + \beta\mathcal{L}_{style} + \gamma\mathcal{L}_{temporal}`
(:mod:`helpers.extensions.temporal`) for ``steps`` evaluations. ``independent=True`` is the
baseline the paper compares against: every frame from fresh noise (seed + frame index), with
``first_steps`` each and no temporal term.

Frames are written as they finish (one PNG per input frame), so Ctrl-C keeps every finished
frame and ``resume=True`` continues a stopped run from them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ..base.config import default_size, resolve_device
from ..base.errors import SettingsError
from ..core.optimize import check_steps
from ..core.result import Result
from ..extensions.temporal import TemporalObjective, consistency, optical_flow, temporal_error, warp
from ..imaging.files import write_json
from ..imaging.images import load_image, resize, save_image
from ..imaging.video_io import VIDEO_OUTPUTS, Clip, read_clip, require_video_extra, write_video
from .settings import Settings
from .stylize import run

#: gamma, the temporal loss's weight against beta = 1. Ruder et al.'s code weighs it 1e3 against a
#: style weight of 1e2, with 0-255 pixels and mean squares; our losses are scaled differently, so
#: that number does not carry over. Measured instead (notebook 12 in full mode: Tübingen x Starry
#: Night, 160 px, 6 frames, 150 then 75 steps, flicker by the camera's true motion): each frame on
#: its own from fresh noise 0.0211, gamma 1e9 0.00060 (35x less) at 1.05x the style loss, close to
#: the input clip's own 0.00054. At 256 px from the command line (flicker by DIS's flow): 71x less
#: at 1.04x. An earlier sweep at 128 px: 3e9 left 2.3x less flicker than 1e9 but raised the style
#: loss 1.26x over the independent frames' (we allow 1.2x).
TEMPORAL_WEIGHT = 1e9
#: Steps for every frame after the first: they start from the warped previous frame, which is
#: already most of the way there (the paper: 2000 for the first frame, 1000 for the rest).
STEPS = 150
#: Options a clip sets for itself, frame by frame.
_SET_PER_FRAME = {"init": "noise", "scales": None, "shape": None, "save_every": 0, "masks": None}


@dataclass
class VideoResult:
    """What :func:`stylize_video` returns: the stylised frames and how each was made."""

    frames: list[torch.Tensor]
    names: list[str]
    fps: float
    results: list[Result | None] = field(default_factory=list)  # None: read back by resume
    temporal_error: list[float] = field(default_factory=list)
    stopped: str | None = None
    message: str = ""
    output: Path | None = None

    @property
    def flicker(self) -> float:
        """The mean temporal error over the frames after the first (0 for a single frame)."""
        return sum(self.temporal_error) / len(self.temporal_error) if self.temporal_error else 0.0

    def losses(self, key: str = "style") -> list[float]:
        """Each stylised frame's final loss term (frames read back by resume are left out)."""
        return [r.final[key] for r in self.results if r is not None and key in r.final]

    @property
    def seconds_per_frame(self) -> float:
        run_ = [r.seconds for r in self.results if r is not None]
        return sum(run_) / len(run_) if run_ else 0.0


def stylize_video(
    source: str | os.PathLike | Clip,
    style,
    output: str | os.PathLike | None = None,
    *,
    steps: int = STEPS,
    first_steps: int | None = None,
    temporal_weight: float = TEMPORAL_WEIGHT,
    independent: bool = False,
    fps: float | None = None,
    frames: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    on_frame: Callable[[int, int, str], None] | None = None,
    **options,
) -> VideoResult:
    r"""Stylise a clip (a video file, a folder of frames, or a :class:`Clip`) in the style of ``style``.

    Args:
        output: a folder (one PNG per input frame, named after it) or a ``.mp4``/``.gif`` file
            (its frames are kept in ``OUTPUT.frames/`` for ``resume``); ``None`` writes nothing.
        steps: evaluations for each frame after the first; ``first_steps`` for the first
            (default: stylize's 300).
        temporal_weight: :math:`\gamma`, against :math:`\beta = 1`; 0 keeps only the warped start.
        independent: every frame from fresh noise with ``first_steps`` and no temporal loss (the
            baseline; frame i uses ``seed + i``).
        fps: the output's frame rate (default: the input's).
        frames: only the first this many frames.
        resume: keep the frames already in ``output`` and continue; ``overwrite``: start again.
        on_frame: called as ``on_frame(index, total, name)`` before each frame.
        options: any option of :func:`helpers.stylize` (``size``, ``ratio``, ``style_loss`` ...)
            except those a clip sets per frame (``init``, ``scales``, ``shape``, ``masks``, ``save_every``).
    """
    for name, neutral in _SET_PER_FRAME.items():
        if name in options and options[name] != neutral:
            raise SettingsError(f"stylize_video sets {name} itself, frame by frame: leave it out")
    gamma = float(temporal_weight)
    if not gamma >= 0:
        raise SettingsError(f"temporal_weight must be 0 or more, got {temporal_weight!r}")
    settings = Settings.of(**options)
    steps = check_steps(steps)
    first = settings.steps if first_steps is None else check_steps(first_steps)
    require_video_extra("stylize_video")  # the optical flow, even for a folder of frames
    clip = _clip(source, settings, frames)
    settings = replace(settings, size=max(clip.shape))
    out = _Output(output, clip, resume=resume, overwrite=overwrite)
    flows: list[tuple[torch.Tensor, torch.Tensor]] = []  # (backward, weights) into frame i, as reached
    result = VideoResult([], list(clip.names), float(fps or clip.fps), output=out.target)
    plan = _Plan(settings, steps, first, gamma, independent)
    _render(clip, style, plan, out, flows, result, on_frame)
    done = len(result.frames)
    result.temporal_error = temporal_error(
        result.frames, [b for b, _ in flows[: done - 1]], [c for _, c in flows[: done - 1]]
    )
    if result.stopped:
        result.message += f"; {done} finished frame(s) kept: run again with resume to continue"
    else:
        result.message = f"stylised {done} frames"
    out.finish(result, _summary(result, plan, source))
    return result


@dataclass(frozen=True)
class _Plan:
    settings: Settings
    steps: int
    first_steps: int
    gamma: float
    independent: bool


def _render(clip: Clip, style, plan: _Plan, out: _Output, flows: list, result: VideoResult, on_frame) -> None:
    """Stylise the frames in order, each written as it finishes; Ctrl-C ends the loop, keeping them."""
    bar = tqdm(total=len(clip), desc="frames", unit="frame", disable=not plan.settings.progress)
    try:
        for i, frame in enumerate(clip.frames):
            if on_frame is not None:
                on_frame(i, len(clip), clip.names[i])
            if i > 0:
                flows.append(_flows(clip.frames[i - 1], frame))
            done = out.finished(i)
            if done is None:
                warm = i > 0 and not plan.independent
                steps = plan.steps if warm else plan.first_steps
                seed = plan.settings.seed + (i if plan.independent else 0)  # fresh noise for each
                per_frame = replace(plan.settings, steps=steps, shape=clip.shape, seed=seed)
                previous = result.frames[-1] if warm else None
                stylised = _one_frame(frame, style, per_frame, previous, flows, i, plan.gamma)
                if stylised.stopped == "interrupted":
                    result.stopped, result.message = "interrupted", f"interrupted in frame {i + 1}"
                    break
                out.save_frame(i, stylised.image)
            result.frames.append(stylised.image if done is None else done)
            result.results.append(stylised if done is None else None)
            bar.update(1)
    except KeyboardInterrupt:
        result.stopped, result.message = "interrupted", f"interrupted after {len(result.frames)} frames"
    finally:
        bar.close()


def _clip(source, s: Settings, frames: int | None) -> Clip:
    """The clip at the size asked (a :class:`Clip` keeps its own size unless ``size`` is given)."""
    if not isinstance(source, Clip):
        size = default_size(resolve_device(s.device)) if s.size is None else s.size
        return read_clip(source, size, limit=frames)
    images = source.frames[:frames]
    if s.size is not None and s.size != max(source.shape):
        h, w = source.shape
        shape = (max(1, round(h * s.size / max(h, w))), max(1, round(w * s.size / max(h, w))))
        images = [resize(f, shape) for f in images]
    return Clip(images, source.names[: len(images)], source.fps)


def _flows(previous: torch.Tensor, current: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(backward flow, weights) from frame i to frame i - 1 (see ``temporal.consistency``)."""
    forward, backward = optical_flow(previous, current), optical_flow(current, previous)
    return backward, consistency(forward, backward)


def _one_frame(
    frame, style, s: Settings, previous: torch.Tensor | None, flows: list, i: int, gamma: float
) -> Result:
    """Frame ``i``: from noise, or from the previous stylised frame warped, plus the temporal loss."""
    if previous is None:
        return run(frame, style, s)
    backward, weights = flows[i - 1]
    warped = warp(previous, backward).clamp(0, 1)

    def extend(objective, as_seen):
        return TemporalObjective(objective, as_seen(warped), weights, gamma) if gamma else objective

    return run(frame, style, replace(s, init=warped), extend=extend)


class _Output:
    """Where the frames go: a folder of PNGs (a video file's are kept in ``OUTPUT.frames/``)."""

    def __init__(self, output, clip: Clip, *, resume: bool, overwrite: bool) -> None:
        self.clip, self.resume = clip, resume
        self.target = None if output is None else Path(output)
        self.video = self.target is not None and self.target.suffix.lower() in VIDEO_OUTPUTS
        if self.target is not None and self.target.suffix and not self.video:
            raise SettingsError(
                f"{self.target.name}: the output is a folder, or a {' or '.join(VIDEO_OUTPUTS)} file"
            )
        self.folder = (
            None
            if self.target is None
            else (self.target.with_name(self.target.name + ".frames") if self.video else self.target)
        )
        existing = [p for p in self._paths() if p.exists()]
        if existing and not (resume or overwrite):
            raise SettingsError(
                f"{self.folder} already holds {len(existing)} stylised frame(s): resume to continue "
                f"(--resume), or overwrite to start again (--force)"
            )
        if self.video and self.target.exists() and not (resume or overwrite):
            raise SettingsError(f"{self.target} exists: overwrite it (--force), or choose another name")

    def _paths(self) -> list[Path]:
        return [] if self.folder is None else [self.folder / f"{Path(n).stem}.png" for n in self.clip.names]

    def finished(self, i: int) -> torch.Tensor | None:
        """Frame ``i`` as written by an earlier run (with resume), else None."""
        if not self.resume or self.folder is None:
            return None
        path = self._paths()[i]
        return resize(load_image(path), self.clip.shape) if path.exists() else None

    def save_frame(self, i: int, image: torch.Tensor) -> None:
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            save_image(image, self._paths()[i])

    def finish(self, result: VideoResult, summary: dict) -> None:
        if self.target is None:
            return
        if self.video and not result.stopped and result.frames:
            write_video(result.frames, self.target, result.fps)
        settings = self.target.with_suffix(".json") if self.video else self.target / "video.json"
        settings.parent.mkdir(parents=True, exist_ok=True)
        write_json(summary, settings)


def _summary(result: VideoResult, plan: _Plan, source) -> dict:
    first_run = next((r for r in result.results if r is not None), None)
    return {
        "settings": {
            **(first_run.settings if first_run else plan.settings.saved()),
            "content": str(source) if not isinstance(source, Clip) else "a Clip",
            "init": "noise" if plan.independent else "noise, then each previous stylised frame warped",
            "size": plan.settings.size,
            "steps": plan.steps,
            "first_steps": plan.first_steps,
            "temporal_weight": plan.gamma,
            "independent": plan.independent,
            "fps": result.fps,
        },
        "frames": [
            {"name": n, "resumed": r is None, **({} if r is None else _without_settings(r.summary()))}
            for n, r in zip(result.names, result.results)
        ],
        "temporal_error": result.temporal_error,
        "flicker": result.flicker,
        "seconds_per_frame": round(result.seconds_per_frame, 3),
        "stopped": result.stopped,
        "message": result.message,
    }


def _without_settings(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "settings"}  # the clip's settings say it once
