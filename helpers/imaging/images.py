"""Images in and out: any file PIL reads becomes an RGB float tensor in [0, 1], shape [1, 3, H, W].

Everything that reaches the network passes through :func:`load_image`, so the notebooks, the
CLI and the widgets accept the same inputs and fail with the same clear messages.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import struct
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from ..base.errors import ImageError, ImageNotFoundError, SettingsError, TransparencyWarning, UpscaleWarning
from .catalog import download_url, example, notice_path
from .files import atomic_path

ImageSource = str | os.PathLike | Image.Image | torch.Tensor | np.ndarray | bytes | bytearray | memoryview
#: Raw file contents, as an upload widget gives them (ipywidgets 8: a memoryview).
BYTES_TYPES = (bytes, bytearray, memoryview)

#: The least an image needs on its shorter side: the paper's deepest layer, conv5_1, comes after
#: four 2x2 poolings, which halve 16 px to 1 px (pool5 needs 32: helpers.core.layers.min_side).
MIN_SIDE = 16
#: Refuse images whose header claims more pixels than this (PIL's own bomb threshold).
MAX_PIXELS = 2 * 89_478_485
#: The EXIF tag that says how to turn the picture upright.
ORIENTATION_TAG = 0x0112
#: The files a folder of images (batch) or of frames (video) is read from.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif")
#: Enlarging an input more than this is warned about: the picture will be blurred.
UPSCALE_LIMIT = 2.0


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
    if isinstance(source, BYTES_TYPES):
        return "the uploaded file"
    return type(source).__name__


def _check_source_type(source: object) -> None:
    if not isinstance(source, (str, os.PathLike, Image.Image, torch.Tensor, np.ndarray, *BYTES_TYPES)):
        raise ImageError(
            f"cannot make an image of type {type(source).__name__}: give a file path, URL, catalogue "
            "name, bytes, PIL image, numpy array or tensor"
        )


EMPTY = "is empty (0 bytes), not an image: choose another file, or re-save or re-download it"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _check_png(fp: io.IOBase, name: str) -> None:
    """Check every chunk's CRC-32 with Pillow's ``verify()``: plain decoding skips some, so a
    damaged PNG could load garbled. (Not IEND's, which carries no data.)"""
    try:
        with PngImagePlugin.PngImageFile(fp) as png:  # the PNG reader itself, for its own error
            png.verify()
    except (SyntaxError, OSError, EOFError, ValueError, struct.error) as exc:
        chunk = re.search(r"bad header checksum in b'(\w{4})'", str(exc))
        if chunk:
            problem = f"its {chunk[1]!r} chunk fails its CRC check"
        else:  # Pillow says "Truncated File Read", "truncated PNG file", "incomplete checksum" ...
            problem = f"cut off or garbled: {str(exc).rstrip('.') or type(exc).__name__}"
        raise ImageError(f"{name} is a damaged PNG ({problem}): re-save or re-download it") from None
    finally:
        fp.seek(0)


def _resolve_path(source: str | os.PathLike) -> Path:
    """A file path, a URL (downloaded and cached) or a catalogue name -> an existing file."""
    text = os.fspath(source)
    if text.startswith(("http://", "https://")):
        return download_url(text)
    path = Path(text).expanduser()
    if path.is_dir():
        raise ImageNotFoundError(f"{path} is a directory: give the path of an image file inside it")
    if path.is_file():
        return notice_path(path)  # a catalogue image opened by its path is still that image
    looks_like_name = os.sep not in text and "/" not in text and not path.suffix
    if looks_like_name:
        return example(text)
    raise ImageNotFoundError(f"no such image file: {path} (check the path, or use a catalogue name)")


def open_image(source: ImageSource, *, size: int | None = None) -> Image.Image:
    """Open ``source`` as an RGB PIL image, upright, with transparency composited on white.

    ``source`` is a path, a URL, a catalogue name (see ``helpers.catalog``), raw bytes (an upload),
    or a PIL image. Grayscale, palette, CMYK, 16-bit and alpha images become RGB; EXIF orientation
    is honoured; an animated image gives its first frame. ``size`` only lets a huge JPEG decode at
    reduced scale; :func:`load_image` does the actual resizing. Every failure is a one-line
    :class:`~helpers.errors.ImageError` that says what to do.
    """
    _check_source_type(source)
    if isinstance(source, Image.Image):
        return _decode(source, _describe(source), size)
    with _open_file(source) as (fp, name):
        is_png = fp.read(len(PNG_SIGNATURE)) == PNG_SIGNATURE
        fp.seek(0)
        if is_png:
            _check_png(fp, name)
        try:
            with _no_pil_bomb_check():
                image = Image.open(fp)
        except UnidentifiedImageError:
            raise ImageError(
                f"{name} is not an image PIL can read: use a JPEG, PNG, WebP, TIFF, BMP or GIF file"
            ) from None
        except OSError as exc:
            raise ImageError(f"{name} could not be read ({exc}): re-save or re-download it") from None
        with image:
            return _decode(image, name, size)


@contextlib.contextmanager
def _open_file(source: ImageSource) -> Iterator[tuple[io.IOBase, str]]:
    """A binary file object for bytes or a path/URL/catalogue name, closed afterwards, and its name."""
    if isinstance(source, BYTES_TYPES):
        data = bytes(source)
        if not data:
            raise ImageError(f"{_describe(source)} {EMPTY}")
        yield io.BytesIO(data), _describe(source)
        return
    path = _resolve_path(source)
    if path.stat().st_size == 0:
        raise ImageError(f"{path} {EMPTY}")
    try:
        fp = open(path, "rb")  # noqa: SIM115 - closed below, after PIL has decoded it
    except PermissionError:
        raise ImageError(f"{path} cannot be read (permission denied): check the file's permissions") from None
    with fp:
        yield fp, str(path)


def _decode(image: Image.Image, name: str, size: int | None) -> Image.Image:
    """Guard against decompression bombs, decode the first frame, turn it upright, make it RGB."""
    if image.format == "JPEG" and size is not None:
        image.draft("RGB", (size, size))  # decode at 1/2, 1/4 or 1/8 scale when that suffices
    width, height = image.size
    if width * height > MAX_PIXELS:
        if image.format == "JPEG" and size is None:
            advice = "pass size= (for example size=512) so that the JPEG decodes at reduced scale"
        else:
            advice = "shrink it with an image editor first"
        raise ImageError(
            f"{name} claims {width}x{height} pixels ({width * height / 1e6:.0f} MP), over the "
            f"{MAX_PIXELS / 1e6:.0f} MP limit that guards against decompression bombs: {advice}"
        )
    try:
        image.seek(0)  # the first frame of an animated GIF/WebP/PNG
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(
            f"{name} is damaged ({str(exc).rstrip('.') or type(exc).__name__}): re-save or re-download it"
        ) from None
    rgb = _to_rgb(upright, name, image.format)
    return rgb.copy() if rgb is image else rgb  # a copy owns its pixels once the file is closed


def _to_rgb(image: Image.Image, name: str, fmt: str | None = None) -> Image.Image:
    """Any PIL mode -> 8-bit RGB; transparent pixels are composited on white (with a warning)."""
    mode = image.mode
    if mode in {"I;16", "I;16B", "I;16L", "I", "F"}:
        # PIL's convert("RGB") clips 16-bit values at 255; scale them to 8 bits instead. A PNG
        # in mode "I" is 16-bit; float images are taken to be in [0, 1] when they fit.
        array = np.asarray(image, dtype=np.float64)
        if mode.startswith("I;16") or (fmt or image.format) == "PNG" or array.max() > 255:
            top = 65535.0
        elif mode == "F" and array.max() <= 1.0:
            top = 1.0
        else:
            top = 255.0
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
                stacklevel=5,  # the caller of load_image
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
    if isinstance(source, np.ndarray) and source.dtype == np.uint16:
        source = source.astype(np.float32) / 65535.0  # a 16-bit image, scaled like 16-bit files
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
    if x.numel() == 0:
        raise ImageError(f"the image tensor is empty ({list(x.shape)}): give an image with pixels")
    if not torch.isfinite(x).all():
        raise ImageError("the image tensor holds NaN or infinite values: check how it was computed")
    if x.max() > 2 or x.min() < -1:
        raise ImageError(
            f"the image tensor holds values from {x.min():.4g} to {x.max():.4g}: a float image must be "
            "in [0, 1] (divide 0-255 values by 255, or pass a uint8 array)"
        )
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


def check_size(size: object, what: str = "size") -> int | None:
    """``size`` as a whole number of pixels (``None`` stays ``None``), or a one-line SettingsError."""
    if size is None:
        return None
    try:
        value = float(size)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SettingsError(f"{what} must be a whole number of pixels such as 256, got {size!r}") from None
    if not math.isfinite(value) or value != int(value) or value < MIN_SIDE:
        raise SettingsError(
            f"{what} must be a whole number of pixels, at least {MIN_SIDE} (what VGG19's conv5 layers need), "
            f"got {size!r}"
        )
    return int(value)


def _too_small(name: str, w: int, h: int, size: int | None, original: tuple[int, int]) -> ImageError:
    h0, w0 = original
    # The smallest longer side whose shorter side rounds to MIN_SIDE or more.
    need = math.ceil((MIN_SIDE - 0.5) * max(h0, w0) / min(h0, w0))
    at = f" at size={size}" if size else ""
    fix = f"use size={need} or more" + (
        ", or crop it to a less elongated shape" if size else " to enlarge it"
    )
    return ImageError(
        f"{name} is {w}x{h} px{at}: VGG19 needs at least {MIN_SIDE} px on each side (the four 2x2 "
        f"poolings before conv5_1 halve {MIN_SIDE} px to 1 px): {fix}"
    )


def load_image(source: ImageSource, size: int | None = None) -> torch.Tensor:
    """Load an image as an RGB float tensor in [0, 1] of shape [1, 3, H, W].

    Args:
        source: a file path, URL, catalogue name (``"tubingen"``), bytes (an upload), PIL image,
            numpy array (H x W x C) or tensor.
        size: the longer side in pixels after resizing; ``None`` keeps the original size.

    Raises a one-line :class:`~helpers.errors.ImageError` (or ``ImageNotFoundError``) for anything
    that cannot be used, including an image too small for VGG19 (under 16 px on a side).
    """
    size = check_size(size)
    _check_source_type(source)
    if isinstance(source, (torch.Tensor, np.ndarray)):
        image = _tensor_image(source)
        name = "the image tensor"
    else:
        image = to_tensor(open_image(source, size=size))
        name = _describe(source)
    original = tuple(image.shape[-2:])
    if size is not None:
        if size > UPSCALE_LIMIT * max(original):
            times, was = size / max(original), f"{name} is {original[1]}x{original[0]} px"
            warn = f"{was}, enlarged {times:.1f}x to size={size}: expect blur; use a larger image or size"
            warnings.warn(warn, UpscaleWarning, stacklevel=2)
        image = resize(image, size)
    h, w = image.shape[-2:]
    if min(h, w) < MIN_SIDE:
        raise _too_small(name, w, h, size, original)
    return image


def image_shape(source: ImageSource, size: int | None = None) -> tuple[int, int] | None:
    """The (H, W) that ``load_image(source, size)`` will give, read from the header alone.

    Cheap (no pixels are decoded), so a run's memory can be checked before anything is loaded.
    A missing file or failed download raises what :func:`load_image` would; ``None`` when the
    header cannot be parsed (``load_image`` then says why).
    """
    _check_source_type(source)
    if isinstance(source, (torch.Tensor, np.ndarray)):
        h, w = _tensor_image(source).shape[-2:]
    elif isinstance(source, Image.Image):
        w, h = source.size
    else:
        with _open_file(source) as (fp, _):
            try:
                with _no_pil_bomb_check(), Image.open(fp) as image:
                    w, h = image.size
                    if image.getexif().get(ORIENTATION_TAG, 1) in (5, 6, 7, 8):  # turned by 90 degrees
                        w, h = h, w
            except (OSError, ValueError, SyntaxError, EOFError):
                return None
    if size is None:
        return int(h), int(w)
    scale = size / max(h, w)
    return max(1, round(h * scale)), max(1, round(w * scale))


def image_format(path: str | os.PathLike) -> str:
    """PIL's format name for a file name's suffix (``"PNG"`` for ``x.png``), or a SettingsError."""
    path = Path(path)
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None or fmt not in Image.SAVE:
        raise SettingsError(f"cannot tell the image format from {path.name!r}: end the name in .png or .jpg")
    return fmt


def save_image(image: torch.Tensor | Image.Image, path: str | os.PathLike, *, overwrite: bool = True) -> Path:
    """Save an image (tensor in [0, 1] or PIL) to ``path``; the format follows the suffix.

    Written to a temporary file and renamed, so an interruption never leaves half a PNG; the
    folder is created when missing.
    """
    path = Path(path)
    fmt = image_format(path)
    pil = image if isinstance(image, Image.Image) else to_pil(image)
    with atomic_path(path, overwrite=overwrite) as tmp:
        pil.save(tmp, format=fmt)
    return path
