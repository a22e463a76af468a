"""The mode switch, choose(), environment flags and the device: what every notebook's setup reads."""

from __future__ import annotations

import pytest
import torch

from helpers.base.config import (
    choose,
    default_device,
    default_size,
    env_flag,
    mode,
    package_version,
    quick_mode,
    resolve_device,
)
from helpers.base.errors import SettingsError


@pytest.fixture
def env(monkeypatch):
    """A clean slate: neither switch set."""
    monkeypatch.delenv("NST_MODE", raising=False)
    monkeypatch.delenv("NST_QUICK", raising=False)
    return monkeypatch


def test_full_is_the_default(env):
    assert mode() == "full" and not quick_mode()


@pytest.mark.parametrize(("value", "expected"), [("quick", "quick"), ("lab", "lab"), (" FULL ", "full")])
def test_nst_mode_names_the_mode(env, value, expected):
    env.setenv("NST_MODE", value)
    assert mode() == expected
    assert quick_mode() == (expected == "quick")


def test_nst_quick_means_quick_unless_nst_mode_says_otherwise(env):
    env.setenv("NST_QUICK", "1")
    assert mode() == "quick"
    env.setenv("NST_MODE", "lab")
    assert mode() == "lab"
    env.delenv("NST_MODE")
    env.setenv("NST_QUICK", "0")
    assert mode() == "full"


def test_an_unknown_mode_is_a_one_line_error_not_a_full_run(env):
    env.setenv("NST_MODE", "fast")
    with pytest.raises(SettingsError, match="NST_MODE='fast' is not a mode: use quick, lab or full"):
        mode()
    with pytest.raises(SettingsError):
        choose(256, quick=64)


def test_choose_picks_the_value_of_the_current_mode(env):
    assert choose(256, quick=64, lab=160) == 256
    env.setenv("NST_MODE", "lab")
    assert choose(256, quick=64, lab=160) == 160
    assert choose(256, quick=64) == 256  # lab falls back to full
    env.setenv("NST_MODE", "quick")
    assert choose(256, quick=64, lab=160) == 64


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_env_flag_true_values(monkeypatch, value):
    monkeypatch.setenv("NST_TEST_FLAG", value)
    assert env_flag("NST_TEST_FLAG") is True
    assert env_flag("NST_TEST_FLAG", default=False) is True


@pytest.mark.parametrize("value", ["0", "false", "No", "off"])
def test_env_flag_false_values_override_a_true_default(monkeypatch, value):
    monkeypatch.setenv("NST_TEST_FLAG", value)
    assert env_flag("NST_TEST_FLAG", default=True) is False


@pytest.mark.parametrize("value", [None, "", "  "])
def test_env_flag_unset_or_empty_gives_the_default(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("NST_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("NST_TEST_FLAG", value)
    assert env_flag("NST_TEST_FLAG") is False
    assert env_flag("NST_TEST_FLAG", default=True) is True


def test_env_flag_refuses_a_typo_in_one_line(monkeypatch):
    monkeypatch.setenv("NST_TEST_FLAG", "ture")
    with pytest.raises(SettingsError) as info:
        env_flag("NST_TEST_FLAG")
    assert "NST_TEST_FLAG='ture'" in str(info.value) and "\n" not in str(info.value)


def test_a_typo_in_nst_quick_is_refused(env):
    env.setenv("NST_QUICK", "maybe")
    with pytest.raises(SettingsError, match="NST_QUICK"):
        mode()


def test_devices():
    assert resolve_device(None) == default_device()
    assert resolve_device("cpu") == torch.device("cpu")
    assert default_size(torch.device("cpu")) == 256 and default_size(torch.device("cuda")) == 512
    for bad in ("tpu", 3.5, "cuda:x"):
        with pytest.raises(SettingsError, match="device"):
            resolve_device(bad)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_asking_for_a_gpu_that_is_not_there_says_so():
    with pytest.raises(SettingsError, match="no CUDA GPU: use 'cpu'"):
        resolve_device("cuda")


def test_package_version_is_a_version_string():
    version = package_version()
    assert version[0].isdigit() and version.count(".") >= 2
