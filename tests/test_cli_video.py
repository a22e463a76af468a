"""``python -m helpers video``: a folder of frames to a video, a broken video, the missing extra."""

from __future__ import annotations

import json

import pytest

import helpers
from tests.conftest import run_cli as cli

pytest.importorskip("cv2", reason="the video extra (opencv-python-headless) is not installed")

RUN = ["--size", 48, "--first-steps", 3, "--steps", 2, "--weights", "none"]


@pytest.fixture
def frames(tmp_path, content64):
    folder = tmp_path / "frames"
    folder.mkdir()
    for t in range(3):
        helpers.save_image(content64.roll(2 * t, dims=-1), folder / f"f{t:02d}.png")
    return folder


def test_a_folder_of_frames_becomes_a_gif_with_its_settings(tmp_path, frames):
    out = tmp_path / "styled.gif"
    run = cli("video", frames, "starry_night", "-o", out, "--fps", 4, *RUN)
    assert run.returncode == 0, run.stderr
    assert "stylised 3 frames" in run.stdout and "s per frame" in run.stdout and "flicker" in run.stdout
    from PIL import Image

    with Image.open(out) as gif:
        assert gif.n_frames == 3 and gif.size == (48, 36) and gif.info["duration"] == 250
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["settings"]["first_steps"] == 3 and report["settings"]["temporal_weight"] > 0
    assert [f["steps_run"] for f in report["frames"]] == [3, 2, 2]
    again = cli("video", frames, "starry_night", "-o", out, *RUN)
    assert again.returncode == 2 and "--resume" in again.stderr and len(again.stderr.splitlines()) == 1


def test_a_broken_video_file_is_one_line_and_exit_2(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"this is not a video")
    run = cli("video", broken, "starry_night", "-o", tmp_path / "out", *RUN)
    assert run.returncode == 2 and run.stderr.startswith("error: cannot read broken.mp4 as a video")
    assert len(run.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_options_the_command_sets_itself_are_refused(tmp_path, frames):
    run = cli("video", frames, "starry_night", "-o", tmp_path / "out", "--init", "content", *RUN)
    assert run.returncode == 2 and "sets init itself" in run.stderr
