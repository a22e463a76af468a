"""What a run writes besides its image: the picture as it forms (an animation), a start of your own,
and a one-line warning when an input is enlarged."""

from __future__ import annotations

import json
import warnings

import pytest
import torch
from PIL import Image

import helpers
from helpers.base.errors import SettingsError, UpscaleWarning
from helpers.core.layers import min_side
from helpers.imaging.animation import Animation, check_animation_path
from tests.conftest import run_cli as cli


def test_animation_keeps_every_nth_step_and_ends_on_the_returned_image(tmp_path, content64, style64):
    animation = Animation(3, side=48)
    result = helpers.stylize(content64, style64, size=48, steps=10, callback=animation, progress=False)
    assert animation.steps == [3, 6, 9] and all(max(f.size) == 48 for f in animation.frames)
    path = animation.save(tmp_path / "run.gif", result.image)
    gif = Image.open(path)
    assert gif.size == (48, 36) and 3 <= gif.n_frames <= 4  # a GIF merges identical neighbours
    gif.seek(gif.n_frames - 1)
    last = torch.tensor(list(gif.convert("RGB").getdata()), dtype=torch.float32).mean()
    assert last == pytest.approx(float(result.image.mean() * 255), abs=8)  # the palette's rounding


def test_animation_formats_are_checked_before_the_run(tmp_path):
    with pytest.raises(SettingsError, match="a .gif or an .mp4"):
        check_animation_path(tmp_path / "run.avi")
    try:
        check_animation_path(tmp_path / "run.mp4")
    except SettingsError as exc:  # without imageio-ffmpeg: say what to install
        assert "pip install imageio imageio-ffmpeg" in str(exc)
    with pytest.raises(SettingsError, match="N >= 1"):
        Animation(0)


def test_cli_animation_and_init_from_a_file(tmp_path, images_dir):
    start = tmp_path / "start.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(start)
    out = tmp_path / "out.png"
    run = cli(
        "stylize", "tubingen", "starry_night", "-o", out, "--size", 48, "--steps", 6,
        "--init", start, "--animation", tmp_path / "run.gif", "--animation-every", 2,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "wrote" in run.stdout and "run.gif (3 frames and the returned image)" in run.stdout
    assert 3 <= Image.open(tmp_path / "run.gif").n_frames <= 4
    assert json.loads(out.with_suffix(".json").read_text())["settings"]["init"] == str(start)
    # the run started from the red image: its first frame is red, not grey noise or the photo
    first = Image.open(tmp_path / "run.gif").convert("RGB").resize((1, 1)).getpixel((0, 0))
    assert first[0] > 120 and first[1] < 90


def test_cli_refuses_a_missing_init_file_and_an_unwritable_animation(tmp_path, images_dir):
    run = cli("stylize", "tubingen", "starry_night", "-o", tmp_path / "o.png", "--init", "nowhere.png")
    assert (
        run.returncode == 2
        and "unknown init 'nowhere.png'" in run.stderr
        and len(run.stderr.splitlines()) == 1
    )
    run = cli(
        "stylize", "tubingen", "starry_night", "-o", tmp_path / "o.png", "--animation", tmp_path / "a.avi"
    )
    assert run.returncode == 2 and "a .gif or an .mp4" in run.stderr and not (tmp_path / "o.png").exists()


def test_an_enlarged_input_is_one_warning_line(tmp_path, images_dir):
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (8, 8), (10, 120, 200)).save(tiny)
    with pytest.warns(UpscaleWarning, match=r"8x8 px, enlarged 6.0x to size=48"):
        helpers.load_image(tiny, 48)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        helpers.load_image(torch.rand(1, 3, 40, 40), 48)  # enlarged 1.2x: no warning
    run = cli(
        "stylize",
        tiny,
        "starry_night",
        "-o",
        tmp_path / "o.png",
        "--size",
        48,
        "--steps",
        1,
        "--weights",
        "none",
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines()[0].startswith("warning: ") and "enlarged 6.0x" in run.stderr


def test_a_panorama_needs_only_what_the_deepest_layer_in_use_needs(style64):
    panorama = torch.rand(1, 3, 40, 400)  # 10:1: 256x26 px at the default CPU size
    result = helpers.stylize(panorama, style64, size=256, steps=1, weights=None, progress=False)
    assert result.image.shape[-2:] == (26, 256)  # conv5_1 sits after four poolings: 26 px > 16
    with pytest.raises(helpers.StyleTransferError, match="pool5 needs 32 px on each side"):
        helpers.stylize(panorama, style64, size=256, steps=1, style_layers=["conv1_1", "pool5"], weights=None)
    assert min_side(["conv1_1"]) == 1 and min_side(["conv2_1", "conv5_1"]) == 16 and min_side(["pool5"]) == 32


def test_an_mp4_animation_with_the_video_extra(tmp_path, content64, style64):
    missing = "the video extra is not installed: pip install -e .[video] (make test does)"
    iio = pytest.importorskip("imageio.v3", reason=missing)
    pytest.importorskip("imageio_ffmpeg", reason=missing)
    animation = Animation(2)
    result = helpers.stylize(content64, style64, size=48, steps=6, callback=animation, progress=False)
    frames = iio.imread(animation.save(tmp_path / "run.mp4", result.image, fps=4))
    assert frames.shape == (3 + 4, 36, 48, 3)  # three kept frames, then the returned image for a second
