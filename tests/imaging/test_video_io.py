"""Clips in and out: folders of frames, video files written and read back, broken files, the extra."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from helpers.base.errors import ImageError, SettingsError
from helpers.imaging import video_io
from helpers.imaging.images import save_image
from helpers.imaging.video_io import Clip, read_clip, require_video_extra, write_video

needs_ffmpeg = pytest.mark.skipif(
    importlib.util.find_spec("imageio_ffmpeg") is None, reason="the video extra is not installed"
)


def _frames(n: int = 5, shape=(36, 48)) -> list[torch.Tensor]:
    """Frames with a bright bar that moves 4 px right each frame over a gradient."""
    h, w = shape
    out = []
    for t in range(n):
        frame = torch.linspace(0, 0.5, w).expand(1, 3, h, w).clone()
        frame[..., 10:20, 4 * t + 4 : 4 * t + 10] = 1.0
        out.append(frame)
    return out


def test_a_folder_of_frames_is_read_in_name_order(tmp_path):
    frames = _frames(3)
    for name, frame in zip(["b_002.png", "a_001.png", "c_003.png"], [frames[1], frames[0], frames[2]]):
        save_image(frame, tmp_path / name)
    (tmp_path / "notes.txt").write_text("not a frame")
    clip = read_clip(tmp_path)
    assert clip.names == ["a_001.png", "b_002.png", "c_003.png"] and clip.shape == (36, 48)
    for got, want in zip(clip.frames, frames):
        assert (got - want).abs().max() < 1 / 255 + 1e-6
    assert len(read_clip(tmp_path, limit=2)) == 2
    assert read_clip(tmp_path, 24).shape == (18, 24)


def test_folders_that_cannot_be_a_clip_say_why(tmp_path):
    with pytest.raises(ImageError, match="holds no frames"):
        read_clip(tmp_path)
    save_image(torch.rand(1, 3, 20, 20), tmp_path / "a.png")
    save_image(torch.rand(1, 3, 24, 20), tmp_path / "b.png")
    with pytest.raises(ImageError, match="differ in size"):
        read_clip(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_clip(tmp_path / "missing.mp4")


@needs_ffmpeg
def test_an_mp4_written_here_reads_back_with_its_frames_and_rate(tmp_path):
    frames = _frames(6)
    path = write_video(frames, tmp_path / "clip.mp4", fps=12)
    clip = read_clip(path)
    assert len(clip) == 6 and clip.shape == (36, 48) and clip.fps == pytest.approx(12)
    assert clip.names[0] == "frame_0001.png"
    for got, want in zip(clip.frames, frames):  # H.264 is lossy: close, not equal
        assert (got - want).abs().mean() < 0.03
    assert read_clip(path, 24).shape == (18, 24) and len(read_clip(path, limit=3)) == 3


def test_a_gif_is_written_with_one_image_per_frame(tmp_path):
    from PIL import Image

    path = write_video(_frames(4), tmp_path / "clip.gif", fps=5)
    with Image.open(path) as gif:
        assert gif.n_frames == 4 and gif.info["duration"] == 200
    with pytest.raises(SettingsError, match=r"\.mp4 or \.gif"):
        write_video(_frames(2), tmp_path / "clip.avi", fps=5)


@needs_ffmpeg
def test_a_broken_video_file_is_one_line(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 4)
    with pytest.raises(ImageError, match="cannot read broken.mp4 as a video") as info:
        read_clip(broken)
    assert "\n" not in str(info.value)


def test_without_the_extra_the_error_says_what_to_install(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    without_cv2 = lambda name: None if name == "cv2" else real(name)  # noqa: E731
    monkeypatch.setattr(video_io.importlib.util, "find_spec", without_cv2)
    with pytest.raises(SettingsError) as info:
        require_video_extra("stylize_video")
    message = str(info.value)
    assert "opencv-python-headless missing" in message and "pip install -e '.[video]'" in message
    (tmp_path / "clip.mp4").write_bytes(b"")
    with pytest.raises(SettingsError, match="video extra"):
        read_clip(tmp_path / "clip.mp4")


def test_a_clip_knows_its_shape():
    clip = Clip(_frames(2, (20, 30)), ["a.png", "b.png"], 10.0)
    assert len(clip) == 2 and clip.shape == (20, 30)
