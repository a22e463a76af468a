"""The follow-up papers' options on the command line: run as a user would, in a subprocess."""

from __future__ import annotations

import json

import torch
from PIL import Image

import helpers
from tests.conftest import run_cli as cli


def _write(tmp_path, name, image):
    path = tmp_path / name
    helpers.save_image(image, path)
    return path


def test_two_styles_blend_weights_colour_scale_and_coarse_to_fine(tmp_path, content64, style64):
    content = _write(tmp_path, "c.png", content64)
    a, b = _write(tmp_path, "a.png", style64), _write(tmp_path, "b.png", style64.flip(-1))
    out = tmp_path / "out.png"
    run = cli(
        "stylize", content, a, b, "-o", out, "--style-weights", "0.7,0.3", "--preserve-color", "luminance",
        "--style-scale", "0.75", "--scales", "48,64", "--steps", 3, "--tv-weight", "1e-3", "--device", "cpu",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert Image.open(out).size == (64, 48)
    progress = [line for line in run.stdout.splitlines() if line.startswith("step ")]
    assert progress[-1].startswith("step 6/6 (100%)")
    settings = json.loads(out.with_suffix(".json").read_text())["settings"]
    assert settings["style_weights"] == [0.7, 0.3] and settings["preserve_color"] == "luminance"
    assert (
        settings["scales"] == [48, 64] and settings["style_scale"] == 0.75 and settings["tv_weight"] == 1e-3
    )


def test_masks_and_the_normalised_network(tmp_path, content64, style64):
    left = torch.zeros(1, 3, 48, 64)
    left[..., :32] = 1
    paths = [_write(tmp_path, n, x) for n, x in [("c.png", content64), ("s.png", style64), ("m.png", left)]]
    masks = ["--mask", paths[2], "--mask", _write(tmp_path, "m2.png", 1 - left)]
    out = tmp_path / "out.png"
    run = cli(
        "stylize", paths[0], paths[1], paths[1], *masks, "-o", out, "--steps", 2, "--normalize",
        "--size", 64, "--device", "cpu",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    settings = json.loads(out.with_suffix(".json").read_text())["settings"]
    assert settings["masks"] == 2 and settings["normalize"] is True


def test_one_mask_for_two_styles_is_a_one_line_error(tmp_path, content64, style64):
    paths = [_write(tmp_path, n, x) for n, x in [("c.png", content64), ("s.png", style64)]]
    out = tmp_path / "x.png"
    run = cli("stylize", paths[0], paths[1], paths[1], "--mask", paths[1], "-o", out, "--size", 64)
    assert run.returncode == 2 and "one mask per style" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_texture_command_grows_a_larger_texture(tmp_path, style64):
    source = _write(tmp_path, "s.png", style64)
    out = tmp_path / "t.png"
    run = cli(
        "texture", source, "-o", out, "--size", 64, "--shape", "64x96", "--steps", 2, "--layers", "conv1_1"
    )
    assert run.returncode == 0, run.stderr
    assert Image.open(out).size == (96, 64)
    settings = json.loads(out.with_suffix(".json").read_text())["settings"]
    assert settings["style_layers"] == ["conv1_1"] and settings["content"] is None
