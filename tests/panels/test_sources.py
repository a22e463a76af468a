"""The style panel's uploads: a bad file is one line in the panel, a good one becomes a choice and runs."""

from __future__ import annotations

import pytest
import torch

from tests.panels.conftest import WAIT, _png

pytestmark = pytest.mark.usefixtures("_quick")  # previews of 64 px x 4 steps, full runs 64 px x 8 steps


def _upload(widget, name: str, data: bytes) -> None:
    """Send a file as the browser does: the message goes through FileUpload's own deserialiser."""
    message = {"name": name, "type": "image/png", "size": len(data), "content": memoryview(data)}
    widget.set_state({"value": [{**message, "last_modified": 1_700_000_000_000}]})


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.txt", b"hello, not an image", "notes.txt is not an image PIL can read"),
        ("empty.png", b"", "empty"),
        ("tiny.png", _png((10, 10)), "VGG19 needs at least 16 px"),
        ("broken.png", _png()[:60], "broken.png"),  # truncated: PIL's own reason, in one line
    ],
)
def test_a_bad_upload_shows_the_loaders_one_line_error(make_panel, spy, name, data, message):
    s = spy()
    panel = make_panel(auto_preview=True)
    before = list(panel.content_picker.options)
    _upload(panel.content_upload, name, data)
    assert message in panel.status_text
    assert "\n" not in panel.status_text and "color:#b00020" in panel.status.value
    assert list(panel.content_picker.options) == before and s.calls == []
    assert panel.content_upload.value == ()  # ready for another try


def test_a_good_upload_becomes_a_choice_and_runs(make_panel, spy):
    s = spy()
    panel = make_panel()
    _upload(panel.style_upload, "mine.png", _png((80, 60), "RGBA"))
    assert panel.style_picker.value == "upload: mine.png"
    assert "uploaded mine.png: 80×60 px" in panel.status_text and "composited on white" in panel.status_text
    panel.run_button.click()
    assert panel.wait(WAIT)
    assert isinstance(s.calls[0]["style"], torch.Tensor)
    assert panel.result.settings["style"] == ["upload: mine.png"]
