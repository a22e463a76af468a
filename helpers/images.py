"""Images in and out: any file PIL reads becomes an RGB float tensor in [0, 1], shape [1, 3, H, W].

Everything that reaches the network passes through :func:`load_image`, so the notebooks, the
CLI and the widgets accept the same inputs and fail with the same clear messages.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageError, ImageNotFoundError, SettingsError
from .files import atomic_path

ImageSource = str | os.PathLike | Image.Image | torch.Tensor | np.ndarray | bytes

#: The network needs this many pixels on the shorter side: five 2x2 poolings halve it five times.
MIN_SIDE = 32
#: Refuse images whose header claims more pixels than this (PIL's own bomb threshold).
MAX_PIXELS = 2 * 89_478_485


class TransparencyWarning(UserWarning):
    """An image had an alpha channel; its transparent parts were composited on white."""


@contextlib.contextmanager
def _no_pil_bomb_check() -> Iterator[None]:
    # PIL refuses huge headers inside open(); we want to read the header and refuse ourselves,
    # with a message that says what to do.
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = old


def _describe(source: object) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    if isinstance(source, bytes):
        return "the uploaded file"
    return type(source).__name__


def _resolve_path(source: str | os.PathLike) -> Path:
    """A file path, a URL (downloaded and cached) or a catalogue name -> an existing file."""
    text = os.fspath(source)
    if text.startswith(("http://", "https://")):
        from .catalog import download_url

        return download_url(text)
    path = Path(text).expanduser()
    if path.is_dir():
        raise ImageNotFoundError(f"{path} is a directory: give the path of an image file inside it")
    if path.is_file():
        return path
    looks_like_name = os.sep not in text and "/" not in text and not path.suffix
    if looks_like_name:
        from .catalog import example

        return example(text)
    raise ImageNotFoundError(f"no such image file: {path} (check the path, or use a catalogue name)")


def open_image(source: ImageSource, *, size: int | None = None) -> Image.Image:
    """Open ``source`` as an RGB PIL image, upright, with transparency composited on white.

    ``source`` is a path, a URL, a catalogue name (see ``helpers.catalog``), raw bytes, or a PIL
    image. Grayscale, palette, CMYK, 16-bit and alpha images become RGB; EXIF orientation is
    honoured; an animated image gives its first frame. ``size`` only lets a huge JPEG decode at
    reduced scale; :func:`load_image` does the actual resizing.
    """
    name = _describe(source)
    if isinstance(source, Image.Image):
        image = source
    else:
        if isinstance(source, bytes):
            if not source:
                raise ImageError("the uploaded file is empty (0 bytes): choose an image file")
            fp: object = io.BytesIO(source)
        else:
            path = _resolve_path(source)
            name = str(path)
            if path.stat().st_size == 0:
                raise ImageError(f"{path} is empty (0 bytes): it is not an image; re-save or re-download it")
            fp = path
        try:
            with _no_pil_bomb_check():
                image = Image.open(fp)
        except UnidentifiedImageError:
            raise ImageError(
                f"{name} is not an image PIL can read: use a JPEG, PNG, WebP, TIFF, BMP or GIF file"
            ) from None
        except OSError as exc:
            raise ImageError(f"{name} could not be read ({exc}): re-save or re-download it") from None
    width, height = image.size
    if image.format == "JPEG" and size is not None:
        image.draft("RGB", (size, size))  # decode at 1/2, 1/4 or 1/8 scale when that suffices
        width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"{name} claims {width}x{height} pixels ({width * height / 1e6:.0f} MP), over the "
            f"{MAX_PIXELS / 1e6:.0f} MP safety limit against decompression bombs: shrink it first"
            + ("" if size else ", or pass size= (a JPEG then decodes at reduced scale)")
        )
    try:
        image.seek(0)  # the first frame of an animated GIF/WebP/PNG
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(
            f"{name} is damaged ({str(exc).rstrip('.') or type(exc).__name__}): re-save or re-download it"
        ) from None
    return _to_rgb(image, name)


def _to_rgb(image: Image.Image, name: str) -> Image.Image:
    """Any PIL mode -> 8-bit RGB; transparent pixels are composited on white (with a warning)."""
    mode = image.mode
    if mode in {"I;16", "I;16B", "I;16L", "I", "F"}:
        # PIL's convert("RGB") clips 16-bit values at 255; scale them to 8 bits instead.
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or array.max() > 255 else 255.0
        gray = np.clip(np.rint(array / top * 255.0), 0, 255).astype(np.uint8)
        return Image.fromarray(gray).convert("RGB")
    has_alpha = mode in {"RGBA", "LA", "PA", "RGBa", "La"} or (
        mode in {"P", "L", "RGB"} and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        if rgba.getextrema()[3][0] < 255:
            warnings.warn(
                f"{name} has transparent pixels: they were composited on white",
                TransparencyWarning,
                stacklevel=3,
            )
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image if mode == "RGB" else image.convert("RGB")


def to_tensor(image: Image.Image) -> torch.Tensor:
    """An RGB PIL image -> a float tensor in [0, 1] of shape [1, 3, H, W]."""
    array = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return torch.from_numpy(array.copy()).permute(2, 0, 1).unsqueeze(0).float().div_(255.0)


def to_pil(image: torch.Tensor) -> Image.Image:
    """A tensor in [0, 1] ([1, 3, H, W], [3, H, W] or [H, W]) -> an 8-bit RGB PIL image."""
    x = image.detach().float().cpu()
    if x.dim() == 4:
        if x.shape[0] != 1:
            raise SettingsError(f"to_pil takes one image, got a batch of {x.shape[0]}: index it first")
        x = x[0]
    if x.dim() == 2:
        x = x.unsqueeze(0)
    if x.shape[0] == 1:
        x = x.expand(3, -1, -1)
    array = x.clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).numpy()
    return Image.fromarray(array, mode="RGB")


def _tensor_image(source: torch.Tensor | np.ndarray) -> torch.Tensor:
    x = torch.as_tensor(source)
    if isinstance(source, np.ndarray) and x.dim() == 3 and x.shape[-1] in (1, 3, 4):
        x = x.permute(2, 0, 1)  # numpy images are H x W x C
    if x.dtype == torch.uint8:
        x = x.float() / 255.0
    x = x.detach().float().cpu()
    if x.dim() == 2:
        x = x.unsqueeze(0)
    if x.dim() == 3:
        x = x.unsqueeze(0)
    if x.dim() != 4 or x.shape[0] != 1 or x.shape[1] not in (1, 3, 4):
        raise ImageError(
            f"a tensor image must be [3, H, W] or [1, 3, H, W] with values in [0, 1], got {list(x.shape)}"
        )
    if x.shape[1] == 4:
        rgb, alpha = x[:, :3], x[:, 3:]
        x = rgb * alpha + (1 - alpha)  # composite on white, as for files
    elif x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    if not torch.isfinite(x).all():
        raise ImageError("the image tensor holds NaN or infinite values")
    return x.clamp(0, 1).contiguous()


def resize(image: torch.Tensor, size: int | tuple[int, int]) -> torch.Tensor:
    """Resize a [B, 3, H, W] image so its longer side is ``size`` (or to ``(H, W)`` exactly).

    Antialiased bicubic, so downscaling does not alias; values stay in [0, 1].
    """
    h, w = image.shape[-2:]
    if isinstance(size, int):
        if size <= 0:
            raise SettingsError(f"size must be a positive number of pixels, got {size}")
        scale = size / max(h, w)
        target = (max(1, round(h * scale)), max(1, round(w * scale)))
    else:
        target = (int(size[0]), int(size[1]))
    if target == (h, w):
        return image
    out = F.interpolate(image, size=target, mode="bicubic", antialias=True, align_corners=False)
    return out.clamp_(0, 1)


def load_image(source: ImageSource, size: int | None = None) -> torch.Tensor:
    """Load an image as an RGB float tensor in [0, 1] of shape [1, 3, H, W].

    Args:
        source: a file path, URL, catalogue name (``"tubingen"``), bytes, PIL image, numpy array
            (H x W x C) or tensor.
        size: the longer side in pixels after resizing; ``None`` keeps the original size.

    Raises a one-line :class:`~helpers.errors.ImageError` (or ``ImageNotFoundError``) for anything
    that cannot be used, including an image too small for VGG19 (under 32 px on a side).
    """
    if isinstance(source, (torch.Tensor, np.ndarray)):
        image = _tensor_image(source)
        name = "the image tensor"
    else:
        image = to_tensor(open_image(source, size=size))
        name = _describe(source)
    if size is not None:
        image = resize(image, size)
    h, w = image.shape[-2:]
    if min(h, w) < MIN_SIDE:
        raise ImageError(
            f"{name} is {w}x{h} px{' at size=' + str(size) if size else ''}: VGG19 needs at least "
            f"{MIN_SIDE} px on each side (five 2x2 poolings halve it to 1 px); use a larger "
            "image or a larger size="
        )
    return image


def save_image(image: torch.Tensor | Image.Image, path: str | os.PathLike, *, overwrite: bool = True) -> Path:
    """Save an image (tensor in [0, 1] or PIL) to ``path``; the format follows the suffix.

    Written to a temporary file and renamed, so an interruption never leaves half a PNG; the
    folder is created when missing.
    """
    path = Path(path)
    extension = path.suffix.lower()
    fmt = Image.registered_extensions().get(extension)
    if fmt is None:
        raise SettingsError(f"cannot tell the image format from {path.name!r}: end the name in .png or .jpg")
    pil = image if isinstance(image, Image.Image) else to_pil(image)
    with atomic_path(path, overwrite=overwrite) as tmp:
        pil.save(tmp, format=fmt)
    return path
