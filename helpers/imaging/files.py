"""Writing files so that a crash never leaves half of one behind."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..base.errors import SettingsError


def check_output(path: str | os.PathLike, *, overwrite: bool = True) -> Path:
    """Refuse, before any work is done, an output path that could not be written at the end.

    A directory, an existing file (unless ``overwrite``), or a folder in the way that is a file.
    """
    path = Path(path)
    if path.is_dir():
        raise SettingsError(f"{path} is a directory: give a file name such as {path / 'out.png'}")
    if not overwrite and path.exists():
        raise SettingsError(f"{path} exists: choose another name or allow overwriting (--force)")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise SettingsError(f"cannot write {path}: {parent} is a file, not a folder")
            if not os.access(parent, os.W_OK):
                raise SettingsError(f"cannot write into {parent} (permission denied): choose another folder")
            break
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    The rename is atomic on one file system, so readers see the old file or the whole new one,
    never a partial write. The folder is created when missing. With ``overwrite=False`` an
    existing file is an error.
    """
    path = check_output(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(data: Any, path: str | os.PathLike, *, overwrite: bool = True) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return Path(path)
