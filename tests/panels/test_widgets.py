"""The interactive panels, driven from Python without a browser.

Controls are set and buttons clicked (``button.click()``) as a learner would; a spy around
``stylize`` records what reaches it, can hold a run at a given step, and checks that two runs
never overlap. Random weights (``weights=None``) and the quick-mode sizes keep every run tiny.
"""

from __future__ import annotations

import io
import json
import threading
import time

import pytest
import torch
from PIL import Image

import helpers
import helpers.panels.style_panel as style_panel_module
import helpers.panels.widgets as widgets_module
from helpers.base.errors import ImageError, SettingsError
from helpers.core.vgg import STYLE_LAYERS
from helpers.panels.logic import (
    Gallery,
    PanelSettings,
    gram_entry,
    loss_curves,
    loss_plot_png,
    png_bytes,
    preview_run,
    read_upload,
    save_path,
    strongest_pair,
    stylize_kwargs,
)
from helpers.panels.runner import Job, Runner
from helpers.panels.widgets import GramPanel, StylePanel

PNG = b"\x89PNG\r\n\x1a\n"
WAIT = 120  # seconds; generous, the machine is shared


@pytest.fixture(autouse=True)
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


def _upload(widget, name: str, data: bytes) -> None:
    """Send a file as the browser does: the message goes through FileUpload's own deserialiser."""
    message = {"name": name, "type": "image/png", "size": len(data), "content": memoryview(data)}
    widget.set_state({"value": [{**message, "last_modified": 1_700_000_000_000}]})


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


def test_stylize_kwargs_is_a_plain_function(content64, style64):
    sources = {"photo": content64, "painting": style64}
    settings = PanelSettings(content="photo", style="painting", ratio=1e-4, size=80, steps=7)
    kw = stylize_kwargs(settings, sources, weights=None)
    assert kw["content"] is content64 and kw["style"] is style64
    assert (kw["size"], kw["steps"], kw["ratio"]) == (80, 7, 1e-4)
    assert kw["style_layers"] == list(STYLE_LAYERS) and kw["preserve_color"] is None
    # all style layers off: the content alone is reconstructed
    off = settings.copy(layers_on=dict.fromkeys(STYLE_LAYERS, False))
    kw = stylize_kwargs(off, sources, mode="preview")
    assert kw["style"] is None and kw["style_layers"] == [] and kw["size"] == preview_run()["size"]
    with pytest.raises(SettingsError, match="no style image called 'nope'"):
        stylize_kwargs(settings.copy(style="nope"), sources)
    with pytest.raises(SettingsError, match="preview"):
        stylize_kwargs(settings, sources, mode="draft")
    assert PanelSettings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings


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


# ---------------------------------------------------------------- uploads
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.txt", b"hello, not an image", "notes.txt is not an image PIL can read"),
        ("empty.png", b"", "empty"),
        ("tiny.png", _png((10, 10)), "VGG19 needs at least 32 px"),
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


def test_read_upload_accepts_both_value_shapes():
    data = _png()
    upload = {"name": "a.png", "type": "image/png", "size": len(data), "content": memoryview(data)}
    name, image, notes = read_upload((upload,))
    assert name == "a.png" and image.shape == (1, 3, 48, 64) and notes == []
    name, image, _ = read_upload({"b.png": {"name": "b.png", "content": data}})  # ipywidgets 7's dict
    assert name == "b.png"
    big = {"name": "big.png", "content": _png((2400, 1200))}
    assert read_upload((big,))[1].shape == (1, 3, 512, 1024)  # kept at the size slider's maximum
    with pytest.raises(ImageError, match="no file was uploaded"):
        read_upload(())


# ---------------------------------------------------------------- save and thumbnails
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


def test_gallery_and_save_path(tmp_path, content64):
    gallery = Gallery(keep=2)
    result = helpers.Result(image=content64, history=[{"step": 1, "content": 2.0, "style": 3.0, "total": 5}])
    result.best_step = 1
    for ratio in (1e-3, 1e-2, 1e-1):
        gallery.add(result, PanelSettings(ratio=ratio), "preview")
    assert len(gallery) == 2 and gallery.items[0].settings.ratio == 1e-1
    assert gallery.items[0].thumbnail.startswith(PNG) and "L_content 2, L_style 3" in gallery.items[0].caption
    first = save_path(tmp_path, PanelSettings())
    assert first.name == "tubingen_starry_night_ratio1e-03_full_001.png"
    first.with_suffix(".json").write_text("{}")
    assert save_path(tmp_path, PanelSettings()).name.endswith("_002.png")
    with pytest.raises(SettingsError):
        Gallery(keep=0)


def test_loss_curves_are_the_weighted_terms_of_eq7():
    history = [
        {"step": 1, "content": 100.0, "style": 2.0, "total": 2.1},
        {"step": 2, "content": 50.0, "style": 1.0},
    ]
    curves = loss_curves(history, alpha=1e-3)
    assert curves["step"] == [1, 2]
    assert curves["content"] == pytest.approx([0.1, 0.05]) and curves["style"] == [2.0, 1.0]
    assert loss_plot_png(curves, steps=10).startswith(PNG)
    no_style = loss_curves([{"step": 1, "content": 1.0, "style": 0.0}], alpha=1.0)
    assert loss_plot_png(no_style).startswith(PNG)


# ---------------------------------------------------------------- the runner
def test_runner_runs_one_job_at_a_time_and_the_newest_queued_wins():
    active, seen, lock = [0], [], threading.Lock()
    gate = threading.Event()

    def work(job):
        with lock:
            active[0] += 1
            seen.append((job.label, active[0]))
        if job.label == "first":
            assert gate.wait(WAIT)
        with lock:
            active[0] -= 1
        return job.label

    finished = []
    runner = Runner(on_finish=lambda job: finished.append((job.label, job.outcome, job.preempted)))
    assert runner.submit(Job(work, label="first")) == "started"
    assert runner.submit(Job(work, label="second")) == "queued"
    assert runner.submit(Job(work, label="third")) == "queued"
    assert not runner.wait(timeout=0.2)  # still busy
    gate.set()
    assert runner.wait(WAIT) and not runner.busy
    assert finished == [("first", "first", False), ("third", "third", False)]
    assert [n for _, n in seen] == [1, 1]


def test_runner_preempts_a_preview_and_reports_errors():
    started = threading.Event()

    def preview(job):
        started.set()
        while not job.stop_requested:
            time.sleep(0.01)
        return "stopped early"

    def failing(job):
        raise SettingsError("bad setting: fix it")

    done = []
    runner = Runner(on_finish=done.append)
    first = Job(preview, preemptible=True)
    runner.submit(first)
    assert started.wait(WAIT)
    runner.submit(Job(failing))
    assert runner.wait(WAIT)
    assert first.preempted and first.outcome == "stopped early"
    assert isinstance(done[1].error, SettingsError)
    assert runner.stop() is False


# ---------------------------------------------------------------- the Gram panel
def test_gram_entry_is_the_sum_of_the_product_map():
    torch.manual_seed(0)
    features = torch.rand(1, 6, 5, 7)
    entry = gram_entry(features, 2, 4)
    assert entry.value == pytest.approx(float(helpers.gram_matrix(features)[0, 2, 4]), rel=1e-5)
    assert entry.value == pytest.approx(float(entry.product.sum()), rel=1e-5)
    assert gram_entry(features, 3, 3).cosine == pytest.approx(1.0)
    assert 0 < entry.cosine < 1
    with pytest.raises(SettingsError, match="N_l = 6"):
        gram_entry(features, 0, 6)
    i, j = strongest_pair(entry.gram)
    g = entry.gram.clone().fill_diagonal_(0)
    assert i != j and g[i, j] == g.max()


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
