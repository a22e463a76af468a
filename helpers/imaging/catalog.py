"""The example images: names, credits, and where to find each file.

The catalogue (``images/catalog.json``) lists the photo and the paintings of Gatys et al. with a
commit-pinned URL and a sha256 for each. :func:`example` finds a file, in this order:

1. the folder named by the environment variable ``NST_IMAGES`` (a classroom share, or CI's
   ``../shared/images``), verified by sha256;
2. the user cache (``NST_CACHE``, default ``~/.cache/nst-course``);
3. a download with ``pooch``, which checks the sha256 before moving the file into the cache, so a
   broken or half-finished download never poisons it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..base.errors import DownloadError, ImageError, ImageNotFoundError

CATALOG_FILE = Path(__file__).resolve().parents[2] / "images" / "catalog.json"


@dataclass(frozen=True)
class CatalogImage:
    """One example image and its credits."""

    name: str
    aliases: tuple[str, ...]
    role: str
    title: str
    artist: str
    year: str
    filename: str
    url: str
    sha256: str
    width: int
    height: int
    licence: str
    paper_figure: str = ""
    notes: str = ""
    #: May copies and renderings be published? False for works still under copyright (Picasso).
    redistributable: bool = True

    @property
    def credit(self) -> str:
        """A one-line credit: "Artist, Title (year), licence"."""
        return f"{self.artist}, “{self.title}” ({self.year}); {self.licence}"


#: Called with each catalogue entry that a program resolves to a file (``watch`` adds one): the
#: rendered course uses it to learn which outputs show which image (helpers/imaging/provenance.py).
_watchers: list[Callable[[CatalogImage], None]] = []


def watch(callback: Callable[[CatalogImage], None]) -> None:
    """Call ``callback(entry)`` whenever an example image is resolved, by name or by its file."""
    _watchers.append(callback)


def notice(entry: CatalogImage) -> None:
    """Tell the watchers that ``entry`` is being used."""
    for callback in _watchers:
        callback(entry)


def notice_path(path: Path) -> Path:
    """Tell the watchers when ``path`` is a catalogue file opened by its path, not its name."""
    if _watchers:
        for entry in catalog().values():
            if path.name == entry.filename:
                notice(entry)
    return path


@functools.cache
def catalog() -> dict[str, CatalogImage]:
    """All example images by name, in the catalogue's order."""
    data = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    fields = set(CatalogImage.__dataclass_fields__)
    entries = {}
    for item in data["images"]:
        item = {k: v for k, v in item.items() if k in fields}
        item["aliases"] = tuple(item.get("aliases", ()))
        entries[item["name"]] = CatalogImage(**item)
    return entries


def lookup(name: str) -> CatalogImage:
    """The catalogue entry called ``name`` (or one of its aliases, such as ``"vangogh"``)."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    for entry in catalog().values():
        if key == entry.name or key in entry.aliases:
            return entry
    known = ", ".join(catalog())
    raise ImageNotFoundError(f"no example image called {name!r}: known names are {known}")


def names(role: str | None = None) -> list[str]:
    """Catalogue names, optionally only ``role="content"`` or ``role="style"``."""
    return [e.name for e in catalog().values() if role is None or e.role == role]


def cache_dir() -> Path:
    """Where downloads are kept: ``$NST_CACHE`` or the user cache folder."""
    if os.environ.get("NST_CACHE"):
        return Path(os.environ["NST_CACHE"]).expanduser()
    import pooch

    return Path(pooch.os_cache("nst-course"))


@functools.lru_cache(maxsize=64)
def _sha256(path: Path, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256(path: str | os.PathLike) -> str:
    """The file's sha256 (memoised while the file is unchanged)."""
    path = Path(path)
    stat = path.stat()
    return _sha256(path.resolve(), stat.st_mtime_ns, stat.st_size)


def example(name: str) -> Path:
    """The local path of the example image ``name``: from ``$NST_IMAGES``, the cache, or the web."""
    entry = lookup(name)
    notice(entry)
    folder = os.environ.get("NST_IMAGES")
    if folder:
        local = Path(folder).expanduser() / entry.filename
        if local.is_file():
            if sha256(local) != entry.sha256:
                raise ImageError(
                    f"{local} does not match the catalogue's sha256 for {entry.name!r}: "
                    "replace it with the original file, or unset NST_IMAGES to download it"
                )
            return local
    cached = cache_dir() / entry.filename
    if cached.is_file() and sha256(cached) == entry.sha256:
        return cached
    return _download(entry.url, entry.filename, entry.sha256)


def _reason(exc: BaseException) -> str:
    """A short, human reason for a failed download (no stack of wrapped exceptions)."""
    try:
        import requests
    except ImportError:  # pooch needs requests; this only keeps the function total
        requests = None
    if requests is not None:
        if isinstance(exc, requests.HTTPError) and exc.response is not None:
            return f"the server answered HTTP {exc.response.status_code} {exc.response.reason}".rstrip()
        if isinstance(exc, requests.exceptions.ChunkedEncodingError) or "IncompleteRead" in str(exc):
            return "the connection broke off before the end of the file"
        if isinstance(exc, requests.Timeout):
            return "the server did not answer in time"
        if isinstance(exc, requests.ConnectionError):
            return "could not connect: no network, or the server is down"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:100]}" if text else type(exc).__name__


def _download(url: str, filename: str, known_sha256: str | None) -> Path:
    """Download ``url`` into the cache as ``filename``; pooch writes to a temporary file, checks the
    sha256 (when known) and only then moves it into place, so failures leave the cache as it was."""
    import logging

    import pooch

    folder = cache_dir() if known_sha256 else cache_dir() / "urls"
    logger = pooch.get_logger()
    level = logger.level
    if not known_sha256:  # pooch would advise the user to pin a hash: not for a learner's URL
        logger.setLevel(logging.WARNING)
    try:
        path = pooch.retrieve(
            url,
            known_hash=f"sha256:{known_sha256}" if known_sha256 else None,
            fname=filename,
            path=folder,
            progressbar=True,
        )
    except ValueError as exc:  # pooch's checksum mismatch; the bad file was not kept
        if "hash" not in str(exc).lower():
            raise
        raise DownloadError(
            f"{filename} downloaded from {url} does not match its sha256 and was discarded; "
            "try again later or put the original file in a folder named by NST_IMAGES"
        ) from None
    except Exception as exc:  # no network, DNS failure, HTTP 404, a connection cut mid-file, ...
        if known_sha256:
            raise DownloadError(
                f"could not download {filename} from {url} ({_reason(exc)}); offline? copy "
                f"{filename} into a folder and set NST_IMAGES to that folder"
            ) from None
        raise DownloadError(
            f"could not download {url} ({_reason(exc)}): check the address and the connection, "
            "or save the image yourself and give its file path"
        ) from None
    finally:
        logger.setLevel(level)
    return Path(path)


def download_url(url: str) -> Path:
    """Download any image URL once into the cache (no checksum known) and return its path.

    A download that is not an image (a web page instead of the picture's own address, say) is
    removed from the cache again, so that the next try downloads afresh.
    """
    from PIL import Image, UnidentifiedImageError

    name = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or "download"
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    path = _download(url, f"{digest}-{name}", None)
    try:
        with Image.open(path):
            pass
    except UnidentifiedImageError:
        with open(path, "rb") as f:
            head = f.read(512)
        path.unlink(missing_ok=True)
        html = b"<html" in head.lower() or b"<!doctype" in head.lower()
        raise ImageError(
            f"{url} is {'a web page' if html else 'not an image file'}: use the address of the image itself "
            "(right-click the picture, then 'Copy image address')"
        ) from None
    except Exception:  # an image, if a damaged or huge one: load_image says what is wrong
        pass
    return path


def credits(names_: list[str] | None = None) -> str:
    """Credits of the given example images (default: all), one per line."""
    chosen = [lookup(n) for n in names_] if names_ else list(catalog().values())
    return "\n".join(f"{e.name}: {e.credit}" for e in chosen)
