"""Clips in and out: a video file or a folder of frames becomes a list of image tensors, and back.

Decoding and encoding go through imageio-ffmpeg (a static ffmpeg from pip, nothing to install
outside pip); a folder of frames needs nothing beyond Pillow. Both the video reader and the
optical flow of :mod:`helpers.extensions.temporal` come with the ``video`` extra, and
:func:`require_video_extra` says in one line what to install when it is missing.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..base.errors import ImageError, ImageNotFoundError, SettingsError
from .files import atomic_path
from .images import IMAGE_SUFFIXES, load_image, resize, to_pil, to_tensor

#: What the video extra brings: module name -> the pip package that provides it.
VIDEO_MODULES = {"imageio": "imageio", "imageio_ffmpeg": "imageio-ffmpeg", "cv2": "opencv-python-headless"}
#: Video files written by :func:`write_video` (H.264 in MP4, or an animated GIF by Pillow).
VIDEO_OUTPUTS = (".mp4", ".gif")
#: The frame rate of a clip made from a folder of frames, unless one is given.
DEFAULT_FPS = 10.0


def require_video_extra(what: str = "video") -> None:
    """A one-line SettingsError naming what to install when the ``video`` extra is missing."""
    missing = [pkg for module, pkg in VIDEO_MODULES.items() if importlib.util.find_spec(module) is None]
    if missing:
        raise SettingsError(
            f"{what} needs the video extra ({', '.join(missing)} missing): pip install -e '.[video]' "
            f"(or pip install {' '.join(VIDEO_MODULES.values())})"
        )


@dataclass
class Clip:
    """A clip's frames (``[1, 3, H, W]`` in [0, 1], all one size), their names and frame rate."""

    frames: list[torch.Tensor]
    names: list[str]
    fps: float

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.frames[0].shape[-2:])  # type: ignore[return-value]


def frame_files(folder: Path) -> list[Path]:
    """The image files of ``folder``, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def read_clip(source: str | os.PathLike, size: int | None = None, *, limit: int | None = None) -> Clip:
    """Read a video file, or a folder of frames sorted by name, with the longer side ``size``.

    ``limit`` keeps only the first frames. Frames of a folder must share one size; a file that
    ffmpeg cannot decode is a one-line :class:`ImageError`.
    """
    path = Path(source).expanduser()
    if not path.exists():
        raise ImageNotFoundError(f"{path} does not exist: give a video file or a folder of frames")
    if path.is_dir():
        files = frame_files(path)[:limit]
        if not files:
            raise ImageError(f"{path} holds no frames ({', '.join(IMAGE_SUFFIXES)}): check the folder")
        frames = [load_image(f, size) for f in files]
        shapes = {tuple(f.shape[-2:]) for f in frames}
        if len(shapes) > 1:
            raise ImageError(f"the frames in {path} differ in size ({len(shapes)} sizes): resize them to one")
        return Clip(frames, [f.name for f in files], DEFAULT_FPS)
    require_video_extra(f"reading {path.name}")
    frames, fps = _decode(path, size, limit)
    width = len(str(len(frames)))
    return Clip(frames, [f"frame_{i:0{max(4, width)}d}.png" for i in range(1, len(frames) + 1)], fps)


def _decode(path: Path, size: int | None, limit: int | None) -> tuple[list[torch.Tensor], float]:
    import imageio_ffmpeg  # the video extra: checked by the caller

    frames: list[torch.Tensor] = []
    try:
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        w, h = meta["size"]
        for raw in reader:
            image = to_tensor(Image.frombytes("RGB", (w, h), raw))
            frames.append(image if size is None else resize(image, _longer_side(image, size)))
            if limit is not None and len(frames) >= limit:
                reader.close()
                break
    except (OSError, RuntimeError, StopIteration, KeyError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise ImageError(
            f"cannot read {path.name} as a video ({reason}): is it a complete video file?"
        ) from None
    if not frames:
        raise ImageError(f"{path.name} holds no video frames: is it a complete video file?")
    return frames, float(meta.get("fps") or DEFAULT_FPS)


def _longer_side(image: torch.Tensor, size: int) -> tuple[int, int]:
    h, w = image.shape[-2:]
    scale = size / max(h, w)
    return max(1, round(h * scale)), max(1, round(w * scale))


def write_video(frames: list[torch.Tensor | Image.Image], path: str | os.PathLike, fps: float) -> Path:
    """Write frames to ``path``: an ``.mp4`` (H.264, via imageio-ffmpeg) or an animated ``.gif``.

    Written under a temporary name and moved into place, so a failed write leaves no half file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in VIDEO_OUTPUTS:
        raise SettingsError(f"a video is written as .mp4 or .gif, not {path.name!r}: name it e.g. out.mp4")
    images = [f if isinstance(f, Image.Image) else to_pil(f) for f in frames]
    if not images:
        raise SettingsError(f"no frames to write to {path.name}")
    size = images[-1].size
    images = [f if f.size == size else f.resize(size, Image.LANCZOS) for f in images]
    with atomic_path(path) as tmp:
        if suffix == ".gif":
            duration = round(1000 / fps)
            images[0].save(
                tmp, format="GIF", save_all=True, append_images=images[1:], duration=duration, loop=0
            )
        else:
            _write_mp4(images, tmp, fps, path.name)
    return path


def _write_mp4(images: list[Image.Image], tmp: Path, fps: float, name: str) -> None:
    if not all(importlib.util.find_spec(m) for m in ("imageio", "imageio_ffmpeg")):
        raise SettingsError(
            "writing .mp4 needs a video writer: pip install imageio imageio-ffmpeg, or use .gif"
        )
    import imageio.v3 as iio

    even = (images[0].width // 2 * 2, images[0].height // 2 * 2)  # H.264 in yuv420p needs even sides
    images = [f if f.size == even else f.resize(even, Image.LANCZOS) for f in images]
    movie = tmp.with_name(tmp.name + ".mp4")  # ffmpeg takes the container from the name
    try:
        iio.imwrite(movie, np.stack([np.asarray(f) for f in images]), fps=fps, macro_block_size=1)
        if not movie.is_file() or movie.stat().st_size == 0:
            raise SettingsError(f"the video writer could not write {name}: try a .gif")
        os.replace(movie, tmp)
    finally:
        movie.unlink(missing_ok=True)
