"""Settings shared by every notebook: the quick switch and the device.

``NST_QUICK=1`` in the environment makes every notebook, figure and benchmark run with tiny
images and few steps, so CI can execute all of them top to bottom in minutes. Learners leave it
unset and get full-quality defaults. Notebooks never test the variable themselves; they ask
:func:`choose` for a value::

    SIZE = helpers.choose(256, quick=64)
"""

from __future__ import annotations

import os
from typing import TypeVar

import torch

from .errors import SettingsError

T = TypeVar("T")


def quick_mode() -> bool:
    """True when ``NST_QUICK`` is set to a true value (``1``, ``true``, ``yes``)."""
    return os.environ.get("NST_QUICK", "").strip().lower() in {"1", "true", "yes", "on"}


def choose(full: T, quick: T) -> T:
    """Return ``quick`` under ``NST_QUICK=1`` and ``full`` otherwise."""
    return quick if quick_mode() else full


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
