"""Shared by the panel tests: quick mode (asked for with pytestmark), a spy around ``stylize``,
a panel factory and PNG bytes.

Controls are set and buttons clicked (``button.click()``) as a learner would; a spy around
``stylize`` records what reaches it, can hold a run at a given step, and checks that two runs
never overlap. Random weights (``weights=None``) and the quick-mode sizes keep every run tiny.
"""

from __future__ import annotations

import io
import threading

import pytest
import torch
from PIL import Image

import helpers
import helpers.panels.style_panel as style_panel_module
from helpers.panels.style_panel import StylePanel

PNG = b"\x89PNG\r\n\x1a\n"
WAIT = 120  # seconds; generous, the machine is shared


@pytest.fixture
def _quick(monkeypatch):
    monkeypatch.setenv("NST_QUICK", "1")  # previews of 64 px x 4 steps, full runs 64 px x 8 steps


class Spy:
    """Wraps ``stylize``: records each call's arguments and every (total loss, image) it reports.

    With ``hold_at=k`` the first call pauses at its k-th loss evaluation until ``release`` is set.
    """

    def __init__(self, real, hold_at: int | None = None) -> None:
        self.real, self.hold_at = real, hold_at
        self.calls: list[dict] = []
        self.records: list[list[tuple[float, torch.Tensor]]] = []
        self.active = self.max_active = 0
        self.lock = threading.Lock()
        self.reached, self.release = threading.Event(), threading.Event()

    def __call__(self, *args, **kwargs):
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.calls.append(kwargs)
            number = len(self.calls)
        records: list = []
        self.records.append(records)
        inner = kwargs["callback"]

        def callback(step, image, losses):
            records.append((losses["total"], image.clone()))
            if number == 1 and self.hold_at is not None and len(records) == self.hold_at:
                self.reached.set()
                assert self.release.wait(WAIT), "the test never released the run"
            return inner(step, image, losses)

        try:
            return self.real(*args, **{**kwargs, "callback": callback})
        finally:
            with self.lock:
                self.active -= 1


@pytest.fixture
def spy(monkeypatch):
    def make(hold_at: int | None = None) -> Spy:
        s = Spy(helpers.stylize, hold_at)
        monkeypatch.setattr(style_panel_module, "stylize", s)  # where the panel calls it
        return s

    return make


@pytest.fixture
def make_panel(content64, style64, tmp_path):
    panels = []

    def make(**kw) -> StylePanel:
        kw = {"weights": None, "device": "cpu", "save_dir": tmp_path / "saved", "auto_preview": False, **kw}
        panel = StylePanel(content64, style64, **kw)
        panels.append(panel)
        return panel

    yield make
    for panel in panels:  # never leave a worker thread behind
        panel.stop()
        panel.wait(WAIT)


def _png(size=(64, 48), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 30, 60) if mode == "RGB" else (200, 30, 60, 128)).save(buffer, "PNG")
    return buffer.getvalue()
