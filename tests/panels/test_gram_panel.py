"""The Gram panel: a layer and two filters, their product map and the Gram entry they make."""

from __future__ import annotations

import pytest

from helpers.panels.gram_panel import GramPanel
from helpers.panels.logic import strongest_pair
from tests.panels.conftest import PNG

pytestmark = pytest.mark.usefixtures("_quick")  # previews of 64 px x 4 steps, full runs 64 px x 8 steps


def test_gram_panel_follows_layer_and_channels(content64):
    panel = GramPanel(content64, weights=None, device="cpu", size=64)
    assert bytes(panel.figure.value).startswith(PNG) and "conv1_1" in panel.readout.value
    panel.i.value, panel.j.value = 63, 5
    panel.layer.value = "conv3_1"
    assert panel.i.max == 255 and panel.entry().gram.shape == (256, 256)
    before = panel.figure.value
    panel.strongest_button.click()
    entry = panel.entry()
    assert (entry.i, entry.j) == strongest_pair(entry.gram) and panel.figure.value != before
    assert f"{entry.value:.4g}" in panel.readout.value
