"""The interactive panels, driven from Python without a browser.

Controls are set and buttons clicked (``button.click()``) as a learner would; a spy around
``stylize`` records what reaches it, can hold a run at a given step, and checks that two runs
never overlap. Random weights (``weights=None``) and the quick-mode sizes keep every run tiny.
"""

from __future__ import annotations

import json

import pytest
import torch

import helpers
import helpers.panels.widgets as widgets_module
from helpers.base.errors import SettingsError
from helpers.extensions.style_losses import BALANCED_RATIO
from helpers.panels.logic import png_bytes, preview_run
from tests.panels.conftest import PNG, WAIT

pytestmark = pytest.mark.usefixtures("_quick")  # previews of 64 px x 4 steps, full runs 64 px x 8 steps


# ---------------------------------------------------------------- settings -> stylize
def test_every_control_reaches_stylize(make_panel, spy):
    s = spy()
    panel = make_panel()
    panel.ratio.value = 1e-2
    panel.layer_on["conv5_1"].value = False
    panel.layer_weight["conv1_1"].value = 0.5
    panel.content_layer.value = "conv2_2"
    panel.pooling.value = "max"
    panel.init.value = "style"
    panel.optimizer.value = "adam"
    panel.preserve_color.value = "luminance"
    panel.size.value = 96
    panel.steps.value = 5
    panel.seed.value = 3
    panel.run_button.click()
    assert panel.wait(WAIT)
    assert len(s.calls) == 1
    kw = s.calls[0]
    assert kw["ratio"] == pytest.approx(1e-2)
    assert kw["style_layers"] == ["conv1_1", "conv2_1", "conv3_1", "conv4_1"]
    assert kw["layer_weights"] == pytest.approx(
        {"conv1_1": 0.5, "conv2_1": 0.2, "conv3_1": 0.2, "conv4_1": 0.2}
    )
    assert kw["content_layers"] == ["conv2_2"]
    assert (kw["pooling"], kw["init"], kw["optimizer"]) == ("max", "style", "adam")
    assert kw["preserve_color"] == "luminance"
    assert (kw["size"], kw["steps"], kw["seed"], kw["weights"]) == (96, 5, 3, None)
    # ... and the real stylize ran with them
    result = panel.result
    assert result.settings["pooling"] == "max" and result.settings["optimizer"] == "adam"
    assert result.settings["preserve_color"] == "luminance"
    assert result.settings["mode"] == "full" and len(result.history) == 5
    assert max(result.image.shape[-2:]) == 96
    assert panel.progress.value == 5 and panel.progress.bar_style == "success"
    assert panel.image.value == png_bytes(result.image, widgets_module.DISPLAY_SIDE)
    assert bytes(panel.loss_plot.value).startswith(PNG) and panel.loss_plot.layout.display is None
    assert "finished 5 steps" in panel.status_text


def test_preview_uses_the_small_size_and_few_steps(make_panel, spy):
    s = spy()
    panel = make_panel()
    panel.size.value, panel.steps.value = 320, 400
    panel.preview_button.click()
    assert panel.wait(WAIT)
    assert (s.calls[0]["size"], s.calls[0]["steps"]) == (preview_run()["size"], preview_run()["steps"])
    assert panel.result.settings["mode"] == "preview"
    assert panel.last_timing["to_first_image_s"] <= panel.last_timing["to_finished_s"]


def test_auto_preview_answers_a_change_and_size_does_not_trigger_it(make_panel, spy):
    s = spy()
    panel = make_panel(auto_preview=True)
    panel.steps.value = 20  # only the full run uses steps: no preview
    assert panel.wait(WAIT) and s.calls == []
    panel.layer_on["conv1_1"].value = False
    assert panel.wait(WAIT)
    assert len(s.calls) == 1 and s.calls[0]["style_layers"] == ["conv2_1", "conv3_1", "conv4_1", "conv5_1"]


def test_a_new_style_loss_keeps_the_balance_and_starts_one_preview(make_panel, spy):
    s = spy()
    panel = make_panel(auto_preview=True)
    panel.ratio.value = 1e-2
    assert panel.wait(WAIT)
    panel.style_loss.value = "histogram"  # its scale is 3,000 times smaller: so is its ratio
    assert panel.wait(WAIT)
    assert panel.ratio.value == pytest.approx(1e-2 * BALANCED_RATIO / 1e-3)
    assert len(s.calls) == 2 and s.calls[1]["style_loss"] == "histogram"
    assert s.calls[1]["ratio"] == pytest.approx(panel.ratio.value)
    panel.set(style_loss="gram", ratio=1e-4)  # set from Python: taken as given
    assert panel.ratio.value == pytest.approx(1e-4) and panel.style_loss.value == "gram"


# ---------------------------------------------------------------- Stop
def test_stop_keeps_the_best_image_so_far(make_panel, spy):
    s = spy(hold_at=3)
    panel = make_panel()
    panel.steps.value = 200
    panel.run_button.click()
    assert s.reached.wait(WAIT)
    assert not panel.stop_button.disabled
    panel.stop_button.click()
    s.release.set()
    assert panel.wait(WAIT)
    result = panel.result
    assert result.stopped == "stopped" and len(result.history) == 3
    totals = [total for total, _ in s.records[0]]
    best_total, best_image = min(s.records[0], key=lambda r: r[0])
    assert result.final["total"] == best_total == min(totals)
    assert torch.equal(result.image, best_image)
    assert panel.image.value == png_bytes(result.image, widgets_module.DISPLAY_SIDE)
    assert panel.progress.bar_style == "warning" and "stopped after 3 of 200 steps" in panel.status_text
    assert "stopped at step 3" in panel.gallery.items[0].caption
    assert panel.stop_button.disabled and not panel.run_button.disabled


def test_interrupting_a_waiting_cell_stops_the_run_and_keeps_its_best_image(make_panel, spy, monkeypatch):
    s = spy(hold_at=2)
    panel = make_panel()
    panel.steps.value = 200
    real_wait, calls = panel.runner.wait, []

    def wait(timeout=None):  # the kernel's stop button, pressed while the cell waits for the run
        calls.append(timeout)
        if len(calls) == 1:
            assert s.reached.wait(WAIT)
            raise KeyboardInterrupt
        s.release.set()
        return real_wait(timeout)

    monkeypatch.setattr(panel.runner, "wait", wait)
    with pytest.raises(KeyboardInterrupt):
        panel.run(wait=True)
    assert not panel.runner.busy and panel.result.stopped == "stopped" and len(panel.result.history) == 2
    assert not panel.ratio.disabled


def test_stop_when_idle_does_nothing(make_panel):
    panel = make_panel()
    panel.stop()
    assert panel.status_text == "ready" and panel.result is None


# ---------------------------------------------------------------- changes during a run
def test_a_full_run_disables_the_settings_until_it_ends(make_panel, spy):
    s = spy(hold_at=2)
    panel = make_panel(auto_preview=True)
    panel.steps.value = 4
    assert panel.wait(WAIT) and s.calls == []
    panel.run_button.click()
    assert s.reached.wait(WAIT)
    assert all(w.disabled for w in panel._setting_widgets)
    assert panel.run_button.disabled and panel.preview_button.disabled and not panel.stop_button.disabled
    assert panel.preview() is None and "press Stop first" in panel.status_text
    panel.ratio.value = 1e-1  # only Python can do this now: it must not start a second run
    assert "applies to the next run" in panel.status_text
    s.release.set()
    assert panel.wait(WAIT)
    assert len(s.calls) == 1 and s.max_active == 1
    assert not any(w.disabled for w in panel._setting_widgets) and not panel.run_button.disabled
    assert panel.result.stopped is None and len(panel.result.history) == 4
    panel.run_button.click()
    assert panel.wait(WAIT)
    assert s.calls[1]["ratio"] == pytest.approx(1e-1)


def test_a_change_during_a_preview_queues_one_rerun_with_the_latest_settings(make_panel, spy):
    s = spy(hold_at=2)
    panel = make_panel(auto_preview=True)
    panel.ratio.value = 1e-2
    assert s.reached.wait(WAIT)
    panel.ratio.value = 1e-1  # queued: the preview is asked to stop
    panel.layer_on["conv5_1"].value = False  # replaces the queued request
    assert len(s.calls) == 1 and "queued a preview run" in panel.status_text
    s.release.set()
    assert panel.wait(WAIT)
    assert len(s.calls) == 2 and s.max_active == 1  # never two runs at once
    assert s.calls[1]["ratio"] == pytest.approx(1e-1) and "conv5_1" not in s.calls[1]["style_layers"]
    assert [t["superseded"] for t in panel.timings] == [True, False]
    assert panel.result.settings["ratio"] == pytest.approx(1e-1)
    assert len(panel.gallery) == 1  # the half-made preview is not kept
    assert len(panel.result.history) == preview_run()["steps"]


def test_run_during_a_preview_replaces_it(make_panel, spy):
    s = spy(hold_at=1)
    panel = make_panel()
    panel.preview_button.click()
    assert s.reached.wait(WAIT)
    panel.run_button.click()
    assert panel.ratio.disabled  # locked at once, before the full run starts
    s.release.set()
    assert panel.wait(WAIT)
    assert [c["steps"] for c in s.calls] == [preview_run()["steps"], panel.steps.value]
    assert panel.result_mode == "full" and not panel.ratio.disabled


def test_stop_also_drops_a_queued_full_run_and_unlocks(make_panel, spy):
    s = spy(hold_at=1)
    panel = make_panel()
    panel.preview_button.click()
    assert s.reached.wait(WAIT)
    panel.run_button.click()
    panel.stop_button.click()
    s.release.set()
    assert panel.wait(WAIT)
    assert len(s.calls) == 1 and panel.result_mode == "preview" and panel.result.stopped == "stopped"
    assert not panel.ratio.disabled and not panel.run_button.disabled


def test_an_error_during_a_run_is_one_line_in_the_panel(make_panel, spy):
    spy()
    panel = make_panel()
    for box in panel.layer_on.values():
        box.value = False
    panel.init.value = "style"  # no style layer, so no style image to start from
    panel.run_button.click()
    assert panel.wait(WAIT)
    assert panel.status_text == "init='style' needs a style image: use init='noise'"
    assert "\n" not in panel.status_text and "Traceback" not in panel.status.value
    assert panel.progress.bar_style == "danger" and not panel.ratio.disabled and panel.result is None


# ---------------------------------------------------------------- save, and settings by name
def test_save_writes_the_png_and_the_exact_settings(make_panel, spy, tmp_path):
    spy()
    panel = make_panel()
    panel.save_button.click()  # nothing yet: a message, no file, no exception
    assert "nothing to save yet" in panel.status_text and not (tmp_path / "saved").exists()
    panel.ratio.value = 1e-4
    panel.layer_on["conv4_1"].value = False
    panel.run_button.click()
    assert panel.wait(WAIT)
    panel.save_button.click()
    saved = sorted((tmp_path / "saved").iterdir())
    assert [p.suffix for p in saved] == [".json", ".png"]
    assert f"saved {saved[1]}" in panel.status_text
    data = json.loads(saved[0].read_text())
    assert data["settings"]["ratio"] == pytest.approx(1e-4)
    assert data["settings"]["style_layers"] == ["conv1_1", "conv2_1", "conv3_1", "conv5_1"]
    assert data["settings"]["mode"] == "full" and data["settings"]["weights"] is None
    assert data["settings"]["content"] == "your content image"
    assert torch.equal(helpers.load_image(saved[1]), helpers.load_image(helpers.to_pil(panel.result.image)))
    second = panel.save()
    assert second != saved[1] and second.exists()  # never overwrites an earlier save


def test_set_changes_settings_by_name_without_a_preview(make_panel, spy):
    s = spy()
    panel = make_panel(auto_preview=True)
    panel.set(ratio=1e-4, init="noise", layers_on={**panel.settings().layers_on, "conv1_1": False})
    assert panel.wait(WAIT) and s.calls == []
    assert panel.ratio.value == pytest.approx(1e-4) and panel.init.value == "noise"
    assert not panel.layer_on["conv1_1"].value
    with pytest.raises(SettingsError, match="unknown panel setting.*alpha"):
        panel.set(alpha=2)


def test_equal_weights_button_gives_one_over_l(make_panel):
    panel = make_panel()
    panel.layer_on["conv4_1"].value = panel.layer_on["conv5_1"].value = False
    panel.equal_weights_button.click()
    weights = panel.settings().layer_weights
    assert [weights[n] for n in ("conv1_1", "conv2_1", "conv3_1")] == pytest.approx([1 / 3] * 3, abs=1e-3)
