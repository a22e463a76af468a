"""Shared fixtures. Tests run offline: images come from NST_IMAGES (CI: ../shared/images)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SHARED_IMAGES = ROOT.parent / "shared" / "images"
ARTIFACTS = ROOT / "tests" / "artifacts"

if not os.environ.get("NST_IMAGES") and SHARED_IMAGES.is_dir():
    os.environ["NST_IMAGES"] = str(SHARED_IMAGES)


def run_cli(*args, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    """``python -m helpers ARGS`` in a subprocess, as a user would type it; ``env`` adds variables."""
    return subprocess.run(
        [sys.executable, "-m", "helpers", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, PYTHONPATH=str(ROOT), **env),
        cwd=ROOT,
    )


@pytest.fixture(scope="session")
def images_dir() -> Path:
    """The folder of the paper's images; tests that need them skip when it is not there."""
    folder = Path(os.environ.get("NST_IMAGES", ""))
    if not folder.is_dir() or not any(folder.glob("*.jpg")):
        pytest.skip("the example images are not available offline: set NST_IMAGES to their folder")
    return folder


@pytest.fixture(scope="session")
def caffe_net():
    import helpers

    return helpers.vgg19("caffe", "avg", "cpu")


@pytest.fixture
def content64() -> torch.Tensor:
    """A synthetic 'photo' (smooth gradients and a disc), 48 x 64, RGB in [0, 1]."""
    y, x = torch.meshgrid(torch.linspace(0, 1, 48), torch.linspace(0, 1, 64), indexing="ij")
    disc = (((x - 0.6) ** 2 + (y - 0.5) ** 2) < 0.06).float()
    return torch.stack([x, y * 0.8 + 0.1, 0.5 * disc + 0.3 * (1 - x)]).unsqueeze(0).clamp(0, 1)


@pytest.fixture
def style64() -> torch.Tensor:
    """A synthetic 'painting': diagonal colour stripes, 64 x 64."""
    y, x = torch.meshgrid(torch.linspace(0, 6.28, 64), torch.linspace(0, 6.28, 64), indexing="ij")
    s = torch.sin(3 * (x + y))
    return torch.stack([0.5 + 0.5 * s, 0.5 - 0.4 * s, 0.3 + 0.2 * torch.cos(5 * x)]).unsqueeze(0).clamp(0, 1)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
