"""The command line, run as a user would: a subprocess, its output, its exit status."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from tests.conftest import run_cli as cli


def test_stylize_writes_the_image_and_its_settings(tmp_path, images_dir):
    out = tmp_path / "tub.png"
    run = cli(
        "stylize", "tubingen", "starry_night", "-o", out, "--size", 64, "--steps", 10, "--device", "cpu"
    )
    assert run.returncode == 0, run.stderr
    progress = [line for line in run.stdout.splitlines() if line.startswith("step ")]
    assert len(progress) == 10 and progress[-1].startswith("step 10/10 (100%)")
    assert "wrote" in run.stdout and "total" in run.stdout.splitlines()[-1]
    assert Image.open(out).size == (64, 48)
    settings = json.loads(out.with_suffix(".json").read_text())["settings"]
    assert settings["content"] == "tubingen" and settings["size"] == 64 and settings["steps"] == 10


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["stylize", "nowhere.jpg", "starry_night"], "no such image file"),
        (["stylize", "tubingen", "mona_lisa"], "known names are"),
        (["stylize", "tubingen", "starry_night", "--steps", "0"], "steps must be at least 1"),
        (["stylize", "tubingen", "starry_night", "--style-layers", "conv1_1,relu2_1"], "unknown style layer"),
        (["stylize", "tubingen", "starry_night", "--device", "quantum"], "device"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(tmp_path, images_dir, args, needle):
    run = cli(*args, "-o", tmp_path / "x.png", "--size", 64)
    assert run.returncode == 2
    assert needle in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_existing_output_needs_force(tmp_path, images_dir):
    out = tmp_path / "x.png"
    out.write_bytes(b"precious")
    run = cli("stylize", "tubingen", "starry_night", "-o", out, "--size", 64, "--steps", 2)
    assert run.returncode == 2 and "--force" in run.stderr and out.read_bytes() == b"precious"
    run = cli("stylize", "tubingen", "starry_night", "-o", out, "--size", 64, "--steps", 2, "--force")
    assert run.returncode == 0 and out.read_bytes().startswith(b"\x89PNG")


def test_examples_lists_the_catalogue():
    run = cli("examples")
    assert run.returncode == 0
    assert run.stdout.split()[0] == "tubingen" and "Kandinsky" in run.stdout
