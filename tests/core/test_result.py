"""What stylize returns: the best image, its history, and the settings to make it again."""

from __future__ import annotations

import io
import json

import matplotlib.pyplot as plt
import pytest
import torch
from PIL import Image

from helpers.core.result import Result


@pytest.fixture
def result() -> Result:
    image = torch.rand(1, 3, 24, 32, generator=torch.Generator().manual_seed(0))
    history = [
        {"step": 1, "content": 4.0, "style": 2.0, "tv": 0.0, "total": 6.0, "seconds": 0.5},
        {"step": 2, "content": 1.0, "style": 1.0, "tv": 0.0, "total": 2.0, "seconds": 1.0},
        {"step": 3, "content": 2.0, "style": 1.0, "tv": 0.0, "total": 3.0, "seconds": 1.5},
    ]
    return Result(image, history, {"seed": 0, "ratio": 1e-3}, message="finished 3 steps", best_step=2)


def test_final_is_the_entry_of_the_returned_best_image_not_the_last(result):
    assert result.final["total"] == 2.0 and result.final["step"] == 2
    assert result.seconds == 1.5  # the whole run's time
    assert result.losses() == [6.0, 2.0, 3.0] and result.losses("style") == [2.0, 1.0, 1.0]


def test_an_empty_run_has_no_final_entry_and_no_seconds():
    empty = Result(torch.zeros(1, 3, 4, 4))
    assert empty.final == {} and empty.seconds == 0.0 and empty.losses() == []


def test_save_writes_the_image_and_a_json_to_make_it_again(result, tmp_path):
    path = result.save(tmp_path / "out.png")
    with Image.open(path) as written:
        assert written.size == (32, 24)
    about = json.loads(path.with_suffix(".json").read_text())
    assert about["settings"] == {"seed": 0, "ratio": 1e-3}
    assert about["final_losses"] == {"content": 1.0, "style": 1.0, "tv": 0.0, "total": 2.0}
    assert (about["best_step"], about["steps_run"], about["seconds"]) == (2, 3, 1.5)
    assert about["stopped"] is None and about["message"] == "finished 3 steps"


def test_save_without_settings_writes_only_the_image(result, tmp_path):
    result.save(tmp_path / "out.jpg", settings=False)
    assert [p.name for p in tmp_path.iterdir()] == ["out.jpg"]


def test_a_notebook_shows_it_as_a_png_of_its_pixels(result):
    data = result._repr_png_()
    with Image.open(io.BytesIO(data)) as shown:
        assert shown.format == "PNG" and shown.size == (32, 24)
        assert shown.convert("RGB").tobytes() == result.pil().tobytes()


def test_show_draws_the_image_with_its_title(result):
    fig = result.show("after 3 steps")
    try:
        (ax,) = fig.axes
        assert ax.get_title() == "after 3 steps"
        assert ax.get_images()[0].get_array().shape[:2] == (24, 32)
        assert fig.get_size_inches()[1] == pytest.approx(4.0 * 24 / 32)
    finally:
        plt.close(fig)
