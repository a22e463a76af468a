"""Issue 6, settings: every bad argument fails before any work, in one line that says what to do;
a run too large for the memory is refused from an estimate made before anything is allocated."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import helpers
from helpers import cli
from helpers.base.errors import SettingsError
from helpers.core import memory
from helpers.synthesis.stylize import use_bf16
from tests.conftest import ROOT

NAN, INF = float("nan"), float("inf")


def _run(**kwargs):
    content = torch.rand(1, 3, 48, 64, generator=torch.Generator().manual_seed(0))
    style = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    kwargs = {"size": 64, "steps": 2, "weights": None, "progress": False, "device": "cpu", **kwargs}
    return helpers.stylize(content, style, **kwargs)


SETTINGS = [
    (
        {"content_layers": ["conv4_5"]},
        ["unknown content layer", "'conv4_5'", "valid names are conv1_1, conv1_2"],
    ),
    ({"style_layers": ["conv1_1", "relu2_1"]}, ["unknown style layer", "'relu2_1'", "pool5"]),
    ({"layer_weights": {"conv9_9": 1.0}}, ["unknown layer_weights layer", "valid names are"]),
    ({"layer_weights": {"conv1_1": 1.0}}, ["no weight for style layer(s) conv2_1"]),
    ({"layer_weights": [1, 1]}, ["2 values for 5 style layers"]),
    ({"layer_weights": [1, -1, 1, 1, 1]}, ["layer weight of conv2_1", "non-negative finite", "-1"]),
    ({"layer_weights": [1, 1, NAN, 1, 1]}, ["layer weight of conv3_1", "nan"]),
    ({"ratio": -1e-3}, ["ratio (alpha/beta) must be a positive finite number"]),
    ({"ratio": NAN}, ["ratio (alpha/beta)", "nan"]),
    ({"ratio": INF}, ["ratio (alpha/beta)", "inf"]),
    ({"ratio": 0}, ["ratio (alpha/beta) must be a positive"]),
    ({"ratio": "lots"}, ["ratio (alpha/beta) must be a number", "'lots'"]),
    ({"style_weights": [NAN]}, ["style weight must be a non-negative finite number"]),
    ({"style_weights": [-1]}, ["style weight", "-1"]),
    ({"style_weights": [0.0]}, ["style_weights are all zero"]),
    ({"style_weights": [1, 1]}, ["2 style_weights for 1 style image"]),
    ({"tv_weight": -1}, ["tv_weight must be a non-negative"]),
    ({"tv_weight": NAN}, ["tv_weight", "nan"]),
    ({"lr": -0.1}, ["lr must be a positive finite number"]),
    ({"lr": NAN}, ["lr", "nan"]),
    ({"lr": 0}, ["lr must be a positive"]),
    ({"style_scale": 0}, ["style_scale must be a positive"]),
    ({"style_scale": 0.1}, ["size x style_scale (64 x 0.1)", "at least 16"]),
    ({"steps": 0}, ["steps must be at least 1"]),
    ({"steps": -5}, ["steps must be at least 1", "-5"]),
    ({"steps": 2.5}, ["steps must be at least 1 (a whole number", "2.5"]),
    ({"steps": NAN}, ["steps", "nan"]),
    ({"steps": "ten"}, ["steps must be a whole number", "'ten'"]),
    ({"size": 0}, ["size must be a whole number of pixels, at least 16", "got 0"]),
    ({"size": -64}, ["size must be", "-64"]),
    ({"size": 8}, ["at least 16 (what VGG19's conv5 layers need)", "got 8"]),
    ({"size": NAN}, ["size must be", "nan"]),
    ({"size": "big"}, ["size must be a whole number of pixels such as 256", "'big'"]),
    ({"shape": (10, 64)}, ["shape[0] (height)", "at least 16"]),
    ({"device": "gpu0"}, ["unknown device 'gpu0'", "'cpu', 'cuda'"]),
    ({"device": "quantum"}, ["unknown device 'quantum'"]),
    ({"device": "meta"}, ["unsupported device 'meta'"]),
    ({"precision": "fp8"}, ["unknown precision 'fp8'", "'bf16'"]),
    ({"optimizer": "sgd"}, ["unknown optimizer 'sgd'", "lbfgs"]),
    ({"init": "zeros"}, ["unknown init 'zeros'", "noise"]),
    ({"weights": "imagenet"}, ["unknown weights 'imagenet'", "caffe"]),
    ({"pooling": "min"}, ["unknown pooling 'min'", "avg"]),
]
if not torch.cuda.is_available():
    SETTINGS += [
        ({"device": "cuda"}, ["PyTorch sees no CUDA GPU", "use 'cpu'"]),
        ({"device": "cuda:3"}, ["no CUDA GPU"]),
    ]


@pytest.mark.parametrize(("kwargs", "fragments"), SETTINGS, ids=[repr(k) for k, _ in SETTINGS])
def test_bad_settings_fail_in_one_line_before_any_work(kwargs, fragments, monkeypatch):
    started = []
    module = importlib.import_module("helpers.synthesis.stylize")
    monkeypatch.setattr(module, "vgg19", lambda *a, **k: started.append(1))
    with pytest.raises(SettingsError) as info:
        _run(**kwargs)
    message = str(info.value)
    assert "\n" not in message and isinstance(info.value, ValueError)
    for fragment in fragments:
        assert fragment in message, message
    assert not started  # refused before the network was even built


# -- memory --------------------------------------------------------------------------------------


def test_a_size_too_large_for_this_machine_is_refused_at_once_with_the_estimate_and_a_size_that_fits():
    free = memory.available_bytes("cpu")
    assert free and free > 100e6
    with pytest.raises(SettingsError) as info:
        _run(
            size=100_000, precision="fp32"
        )  # 75 000 x 100 000 px: terabytes, refused before the images are resized
    message = str(info.value)
    assert message.startswith("size=100000 needs about") and "TB" in message and "\n" not in message
    assert "responses kept for backward" in message and "of memory is free" in message
    suggested = int(message.split("use size=")[1].split()[0])
    need = memory.estimate(
        (round(suggested * 0.75), suggested),
        content_layers=helpers.CONTENT_LAYERS,
        style_layers=helpers.STYLE_LAYERS,
        style_shapes=[(suggested, suggested)],
        steps=2,
    )
    assert suggested >= 256 and need.total <= memory.HEADROOM * memory.available_bytes("cpu") * 1.05


@pytest.mark.parametrize(
    ("free_mb", "kwargs", "fragments"),
    [
        (
            400,
            {"size": 512, "steps": 300},
            ["size=512 needs about", "but only 400.0 MB", "use size=", "adam"],
        ),
        (400, {"size": 512, "steps": 300, "optimizer": "adam"}, ["size=512 needs about", "use size="]),
        (100, {"size": 512}, ["close other programs"]),
        (600, {"shape": (1024, 1024), "size": 64}, ["an output of 1024x1024 px", "at most"]),
    ],
)
def test_refusal_names_the_estimate_and_a_size_that_fits(monkeypatch, free_mb, kwargs, fragments):
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": free_mb * 1_000_000)
    with pytest.raises(SettingsError) as info:
        _run(precision="fp32", **kwargs)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    if "use size=" in message:
        fit = int(message.split("use size=")[1].split()[0])
        common = {
            "content_layers": helpers.CONTENT_LAYERS,
            "style_layers": helpers.STYLE_LAYERS,
            "steps": kwargs["steps"],
            "optimizer": kwargs.get("optimizer", "lbfgs"),
        }
        assert (
            memory.estimate((fit * 3 // 4, fit), style_shapes=[(fit, fit)], **common).total
            <= 0.9 * free_mb * 1e6
        )
        too_big = fit + 32
        assert memory.estimate((too_big * 3 // 4, too_big), style_shapes=[(too_big,) * 2], **common).total > (
            0.9 * free_mb * 1e6
        )
        assert "optimizer='adam'" not in message or kwargs.get("optimizer") != "adam"


def test_the_check_can_be_switched_off(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 1)
    monkeypatch.setenv("NST_MEMORY_CHECK", "0")
    assert _run(steps=1).image.shape == (1, 3, 48, 64)


def test_available_memory_honours_a_container_limit(tmp_path, monkeypatch):
    (tmp_path / "meminfo").write_text("MemTotal: 16000000 kB\nMemAvailable: 8000000 kB\n")
    (tmp_path / "max").write_text("2000000000\n")
    (tmp_path / "current").write_text("500000000\n")
    monkeypatch.setattr(memory, "MEMINFO", str(tmp_path / "meminfo"))
    monkeypatch.setattr(memory, "CGROUP_FILES", ((str(tmp_path / "max"), str(tmp_path / "current")),))
    assert memory.available_bytes("cpu") == 1_500_000_000  # the container's 2 GB, minus 0.5 GB used
    (tmp_path / "max").write_text("max\n")  # cgroup v2 for "no limit"
    assert memory.available_bytes("cpu") == 8_000_000 * 1024


def test_the_estimate_grows_as_it_should():
    def total(shape, **kw):
        return memory.estimate(
            shape, content_layers=["conv4_2"], style_layers=helpers.STYLE_LAYERS, **kw
        ).total

    base = total((256, 256), steps=300)
    assert total((512, 512), steps=300) > 3 * (base - memory.FRAMEWORK["cpu"] - 80e6)  # ~ pixels
    assert total((256, 256), steps=10) < base  # L-BFGS history fills over the first 100 steps
    assert total((256, 256), steps=300, optimizer="adam") < base
    assert total((256, 256), steps=300, bf16=True) < base
    assert total((256, 256), steps=300, pooling="max") > base  # int64 indices
    shallow = memory.estimate((256, 256), content_layers=["conv1_1"], style_layers=["conv1_1"]).total
    assert shallow < base  # the forward pass stops at the deepest layer in use


_MEASURE = r"""
import gc, json, sys, torch, helpers
from helpers.core import memory
size, precision = int(sys.argv[1]), sys.argv[2]
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
helpers.vgg19(None, "avg", "cpu")  # the weights are part of the baseline
content, style = torch.rand(1, 3, size * 3 // 4, size), torch.rand(1, 3, size, size)
gc.collect()
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
base = status("VmRSS:")
helpers.stylize(content, style, size=size, steps=4, weights=None, precision=precision,
                progress=False, device="cpu")
peak = status("VmHWM:") - base
est = memory.estimate((size * 3 // 4, size), content_layers=helpers.CONTENT_LAYERS,
                      style_layers=helpers.STYLE_LAYERS, style_shapes=[(size, size)], steps=4,
                      bf16=precision == "bf16")
print(json.dumps({"peak": peak, "estimate": est.total - est.weights}))
"""


# bf16 at 512 px where the CPU runs it natively; elsewhere PyTorch emulates it (this test took
# over 7 minutes at 512 px, 3 at 320 px, on a CPU without it), so the estimate is checked at 192 px.
BF16_SIZE = 512 if use_bf16("auto", torch.device("cpu")) else 192


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's peak-RSS reset")
@pytest.mark.parametrize(("size", "precision"), [(256, "fp32"), (BF16_SIZE, "bf16")])
def test_the_estimate_is_within_a_sane_factor_of_the_measured_peak(size, precision):
    """Peak RSS of a fresh process (weights excluded) against the estimate: within 0.6x-1.6x."""
    run = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(size), precision],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 0, run.stderr
    numbers = json.loads(run.stdout.strip().splitlines()[-1])
    ratio = numbers["estimate"] / numbers["peak"]
    print(
        f"{size} px {precision}: measured {numbers['peak'] / 1e6:.0f} MB, estimated "
        f"{numbers['estimate'] / 1e6:.0f} MB, ratio {ratio:.2f}"
    )
    assert 0.6 < ratio < 1.6


def test_the_cli_refuses_a_huge_size_in_one_line(tmp_path, capsys):
    from tests import image_corpus as corpus

    for name in ("c.png", "s.png"):
        (tmp_path / name).write_bytes(corpus.encode(corpus.colour_image(), "PNG"))
    out = tmp_path / "o.png"
    argv = ["stylize", str(tmp_path / "c.png"), str(tmp_path / "s.png"), "-o", str(out), "--size", "100000"]
    status = cli.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert err[0].startswith("error: size=100000 needs about") and "use size=" in err[0]
    assert not out.exists()
