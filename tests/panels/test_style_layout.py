"""The style panel's row of thumbnails: the last results, each with a button restoring its settings."""

from __future__ import annotations

import pytest

from tests.panels.conftest import WAIT

pytestmark = pytest.mark.usefixtures("_quick")  # previews of 64 px x 4 steps, full runs 64 px x 8 steps


def test_thumbnails_keep_the_last_results_and_restore_their_settings(make_panel, spy):
    s = spy()
    panel = make_panel(keep=2)
    for ratio in (1e-5, 1e-3, 1e-1):
        panel.ratio.value = ratio
        panel.preview(wait=True, timeout=WAIT)
    assert [item.settings.ratio for item in panel.gallery.items] == pytest.approx([1e-1, 1e-3])
    assert "α/β=1.0e-01" in panel.gallery.items[0].caption
    shown = [slot for slot in panel._slots if slot["box"].layout.display != "none"]
    assert len(shown) == 2 and shown[1]["image"].value == panel.gallery.items[1].thumbnail
    panel.auto_preview.value = True
    shown[1]["use"].click()  # restore 1e-3: one preview, not one per control
    assert panel.wait(WAIT)
    assert panel.ratio.value == pytest.approx(1e-3) and len(s.calls) == 4
    assert s.calls[-1]["ratio"] == pytest.approx(1e-3)
