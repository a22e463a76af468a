"""stylize_video: the temporal loss lowers the flicker of a clip with known motion; frames are
written as they finish, kept on Ctrl-C and picked up by resume."""

from __future__ import annotations

import json

import pytest

from helpers.base.errors import SettingsError
from helpers.course.synthetic import camera_clip
from helpers.imaging.images import load_image
from helpers.imaging.video_io import read_clip, write_video
from helpers.synthesis.video import stylize_video

pytest.importorskip("cv2", reason="the video extra (opencv-python-headless) is not installed")

QUICK = {"first_steps": 30, "steps": 15, "progress": False}


@pytest.fixture(scope="module")
def clip(images_dir):
    """Four frames of a slow pan and zoom across the Tübingen photo, 64 px wide."""
    return camera_clip(load_image("tubingen", 256), 4, size=64)


@pytest.fixture(scope="module")
def runs(clip):
    """The same clip stylised three ways (real VGG19 weights, so the style is a real style)."""
    return {
        "independent": stylize_video(clip, "starry_night", independent=True, **QUICK),
        "warm start only": stylize_video(clip, "starry_night", temporal_weight=0, **QUICK),
        "temporal loss": stylize_video(clip, "starry_night", **QUICK),
    }


def test_the_temporal_loss_lowers_the_flicker_at_a_similar_style_loss(runs):
    independent, warm, temporal = (runs[k] for k in ("independent", "warm start only", "temporal loss"))
    assert len(temporal.frames) == 4 and len(temporal.temporal_error) == 3
    assert temporal.flicker * 2 <= independent.flicker  # the bar: at least 2x lower
    assert temporal.flicker < warm.flicker  # the loss itself, beyond the warped start
    style = {k: sum(r.losses("style")[1:]) / 3 for k, r in runs.items()}
    assert style["temporal loss"] <= 1.2 * style["independent"], style
    assert all(r.losses("temporal") for r in temporal.results[1:])  # the term was in the objective
    assert not any("temporal" in r.final for r in independent.results)


def test_the_first_frame_is_a_plain_stylize_and_later_frames_start_warm(runs):
    temporal, independent = runs["temporal loss"], runs["independent"]
    assert (temporal.frames[0] - independent.frames[0]).abs().max() == 0  # same seed, same steps
    assert [len(r.history) for r in temporal.results] == [30, 15, 15, 15]
    assert [len(r.history) for r in independent.results] == [30] * 4
    # a warm start begins near the finished picture, far below a start from noise
    assert temporal.results[1].history[0]["style"] < 0.1 * independent.results[1].history[0]["style"]


def test_folder_in_folder_out_resume_and_overwrite(tmp_path, clip):
    frames_in = tmp_path / "in"
    frames_in.mkdir()
    for name, frame in zip(["shot_a.jpg", "shot_b.jpg", "shot_c.jpg"], clip.frames):
        from helpers.imaging.images import save_image

        save_image(frame, frames_in / name)
    out = tmp_path / "out"
    options = {"first_steps": 4, "steps": 2, "progress": False, "weights": None, "size": 48}
    first = stylize_video(frames_in, "starry_night", out, **options)
    assert sorted(p.name for p in out.iterdir()) == ["shot_a.png", "shot_b.png", "shot_c.png", "video.json"]
    report = json.loads((out / "video.json").read_text())
    assert report["settings"]["steps"] == 2 and report["settings"]["first_steps"] == 4
    assert [f["name"] for f in report["frames"]] == ["shot_a.jpg", "shot_b.jpg", "shot_c.jpg"]
    assert report["flicker"] == pytest.approx(first.flicker) and len(report["temporal_error"]) == 2
    with pytest.raises(SettingsError, match="already holds 3 stylised frame"):
        stylize_video(frames_in, "starry_night", out, **options)
    stamp = (out / "shot_b.png").stat().st_mtime_ns
    (out / "shot_c.png").unlink()
    resumed = stylize_video(frames_in, "starry_night", out, resume=True, **options)
    assert [r is None for r in resumed.results] == [True, True, False]
    assert (out / "shot_b.png").stat().st_mtime_ns == stamp and (out / "shot_c.png").exists()
    again = stylize_video(frames_in, "starry_night", out, overwrite=True, **options)
    assert all(r is not None for r in again.results)


def test_a_video_file_in_and_out_keeps_its_frames_for_resume(tmp_path, clip):
    source = write_video(clip.frames, tmp_path / "walk.mp4", fps=8)
    out = tmp_path / "styled.mp4"
    result = stylize_video(
        source, "starry_night", out, first_steps=3, steps=2, progress=False, weights=None, size=64
    )
    back = read_clip(out)
    assert len(back) == 4 and back.fps == pytest.approx(8) and back.shape == clip.shape
    assert sorted(p.name for p in (tmp_path / "styled.mp4.frames").iterdir())[0] == "frame_0001.png"
    assert json.loads(out.with_suffix(".json").read_text())["settings"]["fps"] == 8
    assert result.output == out


def test_ctrl_c_keeps_the_finished_frames_and_resume_finishes_the_clip(tmp_path, clip):
    out = tmp_path / "out"
    options = {"first_steps": 3, "steps": 2, "progress": False, "weights": None}

    def stop_at_third(index, total, name):
        if index == 2:
            raise KeyboardInterrupt

    stopped = stylize_video(clip, "starry_night", out, on_frame=stop_at_third, **options)
    assert stopped.stopped == "interrupted" and len(stopped.frames) == 2
    assert sorted(p.name for p in out.glob("*.png")) == ["frame_0001.png", "frame_0002.png"]
    report = json.loads((out / "video.json").read_text())
    assert report["stopped"] == "interrupted" and "resume" in report["message"]
    resumed = stylize_video(clip, "starry_night", out, resume=True, **options)
    assert resumed.stopped is None and len(list(out.glob("*.png"))) == 4
    assert [r is None for r in resumed.results] == [True, True, False, False]


def test_options_a_clip_sets_itself_are_refused_in_one_line(clip):
    for bad in ({"init": "content"}, {"scales": [32, 64]}, {"save_every": 5}):
        with pytest.raises(SettingsError, match="sets .* itself") as info:
            stylize_video(clip, "starry_night", **bad)
        assert "\n" not in str(info.value)
    with pytest.raises(SettingsError, match="temporal_weight"):
        stylize_video(clip, "starry_night", temporal_weight=-1)
    with pytest.raises(SettingsError, match="a folder, or a"):
        stylize_video(clip, "starry_night", "out.avi")
