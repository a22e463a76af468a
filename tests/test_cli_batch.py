"""``python -m helpers batch``: every pair, a broken input skipped and reported, resume, Ctrl-C."""

from __future__ import annotations

import json

import pytest
from PIL import Image

import helpers
from helpers.base.errors import SettingsError, StyleTransferError
from helpers.synthesis import batch
from tests.conftest import run_cli as cli

RUN = ["--size", 48, "--steps", 2, "--weights", "none"]


@pytest.fixture
def inputs(tmp_path, content64, style64):
    photos, paintings = tmp_path / "photos", tmp_path / "paintings"
    photos.mkdir()
    paintings.mkdir()
    helpers.save_image(content64, photos / "a.png")
    helpers.save_image(content64.flip(-1), photos / "b.png")
    (photos / "broken.jpg").write_text("not an image")
    (photos / "notes.txt").write_text("not an image either, and not an image file name")
    helpers.save_image(style64, paintings / "x.png")
    helpers.save_image(style64.flip(-2), tmp_path / "y.png")
    return photos, paintings, tmp_path / "y.png"


def test_a_folder_with_a_broken_image_renders_the_rest_and_exits_1(tmp_path, inputs):
    photos, paintings, y = inputs
    out = tmp_path / "out"
    run = cli("batch", "--content", photos, "--style", paintings, y, "-o", out, *RUN)
    assert run.returncode == 1, run.stderr
    skipped = [line for line in run.stderr.splitlines() if line.startswith("skipping")]
    assert len(skipped) == 1 and "broken.jpg" in skipped[0] and "notes.txt" not in run.stderr
    assert "4 written, 0 already there, 0 failed, 1 unreadable input(s) skipped" in run.stdout
    for name in ("a__x", "a__y", "b__x", "b__y"):
        assert Image.open(out / f"{name}.png").size == (48, 36)
        settings = json.loads((out / f"{name}.json").read_text())["settings"]
        assert settings["steps"] == 2 and settings["style"][0].endswith(f"{name[-1]}.png")
    sheet = Image.open(out / "contact_sheet.png").convert("RGB")
    assert sheet.size == (160 + 2 * 160, 18 + 2 * 160)  # a label column, two styles; a label row, two photos
    for row in range(2):
        for col in range(2):  # every cell holds a picture, none is the grey of a missing pair
            assert sheet.getpixel((160 + col * 160 + 80, 18 + row * 160 + 80)) != (200, 200, 200)


def test_resume_skips_finished_pairs_and_force_is_needed_otherwise(tmp_path, inputs):
    photos, paintings, _ = inputs
    out = tmp_path / "out"
    first = cli("batch", "--content", photos / "a.png", "--style", paintings, "-o", out, *RUN)
    assert first.returncode == 0, first.stderr
    stamp = (out / "a__x.png").stat().st_mtime_ns
    again = cli("batch", "--content", photos / "a.png", "--style", paintings, "-o", out, *RUN)
    assert again.returncode == 2 and "add --resume" in again.stderr and len(again.stderr.splitlines()) == 1
    resumed = cli("batch", "--content", photos / "a.png", "--style", paintings, "-o", out, "--resume", *RUN)
    assert resumed.returncode == 0 and "0 written, 1 already there" in resumed.stdout
    assert (out / "a__x.png").stat().st_mtime_ns == stamp


def test_ctrl_c_keeps_finished_pairs_and_the_running_pairs_best_image(tmp_path, content64, style64):
    calls = []

    def interrupt_second_pair(step, image, losses):
        calls.append(step)
        if len(calls) == 5:  # the second pair's first step (4 steps a pair)
            raise KeyboardInterrupt

    paths = [helpers.save_image(content64, tmp_path / f"{n}.png") for n in ("c1", "c2")]
    style = helpers.save_image(style64, tmp_path / "s.png")
    report = batch.run_batch(
        [str(p) for p in paths], [str(style)], tmp_path / "out", callback=interrupt_second_pair,
        size=48, steps=4, weights=None, progress=False,
    )  # fmt: skip
    assert report.interrupted and [p.name for p in report.written] == ["c1__s.png", "c2__s.png"]
    first, second = (json.loads((tmp_path / "out" / f"{n}__s.json").read_text()) for n in ("c1", "c2"))
    assert first["stopped"] is None and first["steps_run"] == 4
    assert second["stopped"] == "interrupted" and second["steps_run"] == 1  # its best image so far
    assert len(calls) == 5  # nothing ran after the interrupt


def test_a_failing_pair_is_reported_and_the_others_run(tmp_path, content64, style64, monkeypatch):
    real = batch.stylize

    def fails_on_b(content, style, **kw):
        if content.endswith("b.png"):
            raise StyleTransferError("b cannot be used: a reason in one line")
        return real(content, style, **kw)

    monkeypatch.setattr(batch, "stylize", fails_on_b)
    a, b = (helpers.save_image(content64, tmp_path / n) for n in ("a.png", "b.png"))
    style = helpers.save_image(style64, tmp_path / "s.png")
    report = batch.run_batch(
        [str(a), str(b)], [str(style)], tmp_path / "out", size=48, steps=2, progress=False
    )
    assert [p.name for p in report.written] == ["a__s.png"]
    assert report.failed == {"b x s": "b cannot be used: a reason in one line"}
    assert "1 written, 0 already there, 1 failed" in report.summary()


def test_inputs_folders_and_colliding_names(tmp_path, inputs):
    photos, _, _ = inputs
    assert [p.rsplit("/", 1)[-1] for p in batch.expand_inputs([photos])] == ["a.png", "b.png", "broken.jpg"]
    with pytest.raises(SettingsError, match="holds no images"):
        batch.expand_inputs([_empty(tmp_path)])
    with pytest.raises(SettingsError, match="share a file name"):
        batch.run_batch([str(photos / "a.png"), str(photos / "a.png")], ["starry_night"], tmp_path / "o")


def _empty(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder
