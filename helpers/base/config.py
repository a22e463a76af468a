"""Settings shared by every notebook: the mode switch and the device.

One switch sets the size and step count of every long computation in the course:

- ``NST_MODE=quick`` (or the older ``NST_QUICK=1``): tiny images and few steps, so the tests run
  every notebook top to bottom in seconds; the pictures only show that the code runs.
- ``NST_MODE=lab``: a class in a computer room; every notebook top to bottom in a few minutes on
  a laptop CPU, with pictures large enough to see each effect.
- ``NST_MODE=full`` (the default): the course's full quality.

Notebooks never read the variable themselves; they ask :func:`choose` for a value::

    SIZE = helpers.choose(256, quick=64, lab=160)
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from typing import TypeVar

import torch

from .errors import SettingsError

T = TypeVar("T")

MODES = ("quick", "lab", "full")


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def env_flag(name: str, default: bool = False) -> bool:
    """The yes/no environment variable ``name``: ``1``, ``true``, ``yes``, ``on`` or their opposites.

    Unset or empty: ``default``. Any other value is a one-line :class:`SettingsError` (a typo
    such as ``NST_QUICK=ture`` should not silently mean "no").
    """
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}={value!r} is not a yes/no value: use 1 or 0 (or true/false, yes/no, on/off)")


def package_version() -> str:
    """This package's version as installed (``0.0.0+local`` in a source tree not installed)."""
    try:
        return version("nst-course")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0.0.0+local"


def mode() -> str:
    """``"quick"``, ``"lab"`` or ``"full"`` from ``NST_MODE`` (``NST_QUICK=1`` means quick).

    An unknown value is a one-line error rather than a silent full-quality run.
    """
    value = os.environ.get("NST_MODE", "").strip().lower()
    if not value:
        return "quick" if env_flag("NST_QUICK") else "full"
    if value not in MODES:
        raise SettingsError(f"NST_MODE={value!r} is not a mode: use quick, lab or full")
    return value


def quick_mode() -> bool:
    """True in quick mode (``NST_MODE=quick`` or ``NST_QUICK=1``)."""
    return mode() == "quick"


def choose(full: T, quick: T, lab: T | None = None) -> T:
    """The value for the current mode: ``quick``, ``lab`` (``full`` when not given) or ``full``."""
    current = mode()
    if current == "quick":
        return quick
    if current == "lab" and lab is not None:
        return lab
    return full


def default_device() -> torch.device:
    """The fastest device PyTorch can use here: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_device(device: str | torch.device | None) -> torch.device:
    """Turn ``None``, ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or ``"mps"`` into a usable device."""
    if device is None:
        return default_device()
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise SettingsError(
            f"unknown device {device!r}: use 'cpu', 'cuda', 'cuda:N', 'mps' or None (automatic)"
        ) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise SettingsError(f"device {device!r} asked for, but PyTorch sees no CUDA GPU: use 'cpu'")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise SettingsError(
            f"device {device!r} asked for, but only {torch.cuda.device_count()} CUDA GPU(s) exist"
        )
    if dev.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise SettingsError(f"device {device!r} asked for, but Apple's MPS is not available: use 'cpu'")
    if dev.type not in {"cpu", "cuda", "mps"}:
        raise SettingsError(f"unsupported device {device!r}: use 'cpu', 'cuda' or 'mps'")
    return dev


def default_size(device: torch.device) -> int:
    """The longer image side used when ``size=None``: 512 px on a GPU, 256 px on a CPU."""
    return 256 if device.type == "cpu" else 512
