"""The style panel: every option of :func:`helpers.stylize` that has a control, image pickers with
uploads, Preview / Run / Stop / Save, the image as it forms, a live loss curve, and thumbnails of
the last results (see :mod:`helpers.panels.widgets` for how runs are scheduled).

The controls, the panel's settings, ``settings()`` and ``apply()`` all follow the options declared
in :class:`helpers.synthesis.settings.Settings`; the widgets are made in
:mod:`helpers.panels.style_layout`.
"""

from __future__ import annotations

import contextlib
import html
import time
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as W
import torch

from ..base.errors import SettingsError, StopOptimization, StyleTransferError, one_line
from ..core.result import Result
from ..extensions.style_losses import STYLE_LOSSES
from ..imaging import catalog
from ..imaging.images import ImageSource
from ..synthesis.settings import controls
from ..synthesis.stylize import stylize
from . import controls as C
from .logic import (
    Gallery,
    PanelSettings,
    describe,
    loss_curves,
    loss_plot_png,
    png_bytes,
    preview_run,
    save_path,
    stylize_kwargs,
)
from .runner import Job, Runner
from .sources import ImageSources
from .style_layout import DISPLAY_SIDE, build

__all__ = ["DISPLAY_SIDE", "StylePanel"]

#: Refresh the forming image about this many times per run, and at most this often (seconds).
REFRESHES_PER_RUN = 15
MIN_REFRESH_SECONDS = 0.4


class StylePanel(ImageSources):
    """A control panel for :func:`helpers.stylize`, shown by putting it last in a cell.

    Args:
        content, style: the starting pictures: catalogue names (``"tubingen"``), paths, PIL
            images or tensors. The pickers list the catalogue and anything uploaded.
        weights, device: passed to ``stylize`` (``weights=None`` gives a random, fast network).
        save_dir: where Save writes ``<names>_ratio…_NNN.png`` and its ``.json``.
        keep: how many recent results the thumbnail row keeps.
        auto_preview: start a preview whenever a setting changes (can be switched off in the panel).

    From Python: ``panel.settings()`` reads the controls, ``panel.apply(settings)`` sets them,
    ``panel.preview(wait=True)`` / ``panel.run(wait=True)`` run and return the
    :class:`~helpers.Result`, ``panel.stop()``, ``panel.save()``.
    """

    def __init__(
        self,
        content: ImageSource = "tubingen",
        style: ImageSource = "starry_night",
        *,
        weights: str | None = "caffe",
        device: str | torch.device | None = None,
        save_dir: str | Path = "outputs",
        keep: int = 4,
        auto_preview: bool = True,
    ) -> None:
        self.weights, self.device = weights, device
        self.save_dir = Path(save_dir)
        self.gallery = Gallery(keep=keep)
        self.result: Result | None = None
        self.result_settings: PanelSettings | None = None
        self.result_mode: str | None = None
        self.last_timing: dict = {}
        self.timings: list[dict] = []
        self._sources: dict[str, ImageSource] = {name: name for name in catalog.names()}
        self._applying = False
        self._full_running = False
        self.runner = Runner(on_start=self._on_start, on_finish=self._on_finish)

        content_key = self._add_source(content, "content")
        style_key = self._add_source(style, "style")
        defaults = PanelSettings(content=content_key, style=style_key)
        build(self, defaults, auto_preview)
        self._wire()
        self._show_source(self.content_picker, self.content_thumb)
        self._show_source(self.style_picker, self.style_thumb)
        self._show_start_image()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ---------------------------------------------------------------- settings
    @property
    def _setting_widgets(self) -> list[W.Widget]:
        """Everything that changes what a run computes; disabled during a full-size run."""
        pickers = [self.content_picker, self.style_picker, self.content_upload, self.style_upload]
        options = [w for _, control in controls() for w in C.each(self.controls[control.field])]
        return [*pickers, *options, self.equal_weights_button]

    def _wire(self) -> None:
        """Connect the widgets: a change of a previewed setting starts a preview; buttons act."""
        previewed = [self.content_picker, self.style_picker]
        # First, so that the preview the change starts already has the rescaled ratio.
        self.controls["style_loss"].observe(self._keep_balance, names="value")
        for _, control in controls():
            if control.previews:
                previewed += C.each(self.controls[control.field])
        for widget in previewed:
            widget.observe(self._on_setting_change, names="value")
        for picker, thumb, upload in (
            (self.content_picker, self.content_thumb, self.content_upload),
            (self.style_picker, self.style_thumb, self.style_upload),
        ):
            picker.observe(lambda _, p=picker, t=thumb: self._show_source(p, t), "value")
            upload.observe(lambda c, p=picker, u=upload: self._on_upload(c, p, u), "value")
        self.equal_weights_button.on_click(lambda _: self.equal_weights())
        self.preview_button.on_click(lambda _: self._request("preview"))
        self.run_button.on_click(lambda _: self._request("full"))
        self.stop_button.on_click(lambda _: self.stop())
        self.save_button.on_click(lambda _: self._save_clicked())

    def _keep_balance(self, change) -> None:
        """A new style loss has its own scale: move α/β by the ratio of the two losses' defaults,
        so the balance between photo and painting stays where the learner had it."""
        if not self._applying:
            factor = STYLE_LOSSES[change["new"]].default_ratio / STYLE_LOSSES[change["old"]].default_ratio
            with self._quietly():
                self.controls["ratio"].value *= factor

    def settings(self) -> PanelSettings:
        """The controls' current values."""
        values = {control.field: C.read(control, self.controls[control.field]) for _, control in controls()}
        return PanelSettings(content=self.content_picker.value, style=self.style_picker.value, **values)

    def apply(self, settings: PanelSettings, *, preview: bool | None = None) -> None:
        """Set every control from ``settings``; then one preview (when auto-preview is on)."""
        if self._full_running:
            raise SettingsError("a full-size run is going: press Stop (or wait) before changing settings")
        for role, key in (("content", settings.content), ("style", settings.style)):
            if key not in self._sources:
                raise SettingsError(f"no {role} image called {key!r} in this panel: upload it first")
        with self._quietly():
            self.content_picker.value = settings.content
            self.style_picker.value = settings.style
            for _, control in controls():
                C.write(control, self.controls[control.field], getattr(settings, control.field))
        if self.auto_preview.value if preview is None else preview:
            self._request("preview")

    def set(self, **changes) -> StylePanel:
        """Change settings by name (``panel.set(ratio=1e-4, init="noise")``) without starting a preview.

        The names are :class:`~helpers.panels.logic.PanelSettings`' fields.
        """
        unknown = sorted(set(changes) - set(PanelSettings.__dataclass_fields__))
        if unknown:
            known = ", ".join(PanelSettings.__dataclass_fields__)
            raise SettingsError(f"unknown panel setting(s) {', '.join(unknown)}: use {known}")
        self.apply(self.settings().copy(**changes), preview=False)
        return self

    def equal_weights(self) -> None:
        """Give each active style layer w_l = 1/L (the paper's choice), then preview."""
        active = self.settings().style_layers
        if not active:
            self._say("switch on at least one style layer first", error=True)
            return
        with self._quietly():
            for name in active:
                self.layer_weight[name].value = round(1 / len(active), 4)
        if self.auto_preview.value:
            self._request("preview")

    def restore(self, k: int) -> None:
        """Put the settings of thumbnail ``k`` (0 = newest) back into the controls."""
        if k >= len(self.gallery):
            return
        self.apply(self.gallery.items[k].settings)

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change controls without each change starting a preview."""
        self._applying = True
        try:
            yield
        finally:
            self._applying = False

    def _on_setting_change(self, change) -> None:
        if self._applying:
            return
        if self._full_running:
            # Only Python can get here (the controls are disabled): the change waits for the next run.
            self._say("a full-size run is going: this change applies to the next run", error=True)
            return
        current = self.runner.current
        previewing = self.runner.busy and current is not None and current.data["mode"] == "preview"
        if self.auto_preview.value or previewing:
            self._request("preview")

    # ---------------------------------------------------------------- runs
    def preview(self, *, wait: bool = False, timeout: float | None = None) -> Result | None:
        """Start a preview (small, few steps); with ``wait=True`` block and return its result."""
        return self._request("preview", wait=wait, timeout=timeout)

    def run(self, *, wait: bool = False, timeout: float | None = None) -> Result | None:
        """Start the full-size run; with ``wait=True`` block and return its result."""
        return self._request("full", wait=wait, timeout=timeout)

    def stop(self) -> None:
        """Stop the running job (its best image so far is kept and shown) and drop any queued one."""
        if self.runner.stop():
            self._say("stopping… (the best image so far is kept)")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until nothing runs or waits; False on timeout."""
        return self.runner.wait(timeout)

    def _request(self, mode: str, *, wait: bool = False, timeout: float | None = None) -> Result | None:
        if self._full_running:
            self._say("a full-size run is going: press Stop first", error=True)
            return None
        settings = self.settings()
        job = Job(
            run=self._execute,
            preemptible=(mode == "preview"),
            label=mode,
            data={"mode": mode, "settings": settings, "refreshes": []},
        )
        if mode == "full":
            self._lock(True)  # at once, so no click slips in before the worker starts it
        how = self.runner.submit(job)
        if how == "queued":
            what = describe(settings, mode)[1]
            self._say(f"queued a {mode} run with {what}; it starts when the current one stops")
        if wait:
            try:
                finished = self.runner.wait(timeout)
            except KeyboardInterrupt:  # the kernel's stop button: end the run, keep its best image
                self.runner.stop()
                self.runner.wait()
                raise
            if not finished:
                raise TimeoutError(f"the {mode} run did not finish within {timeout} s")
            if job.error is not None and not isinstance(job.error, StopOptimization):
                raise job.error
            return job.outcome
        return None

    def _execute(self, job: Job) -> Result:
        """Runs in the worker thread: stylize with a callback that draws and listens for Stop."""
        mode, settings = job.data["mode"], job.data["settings"]
        kwargs = stylize_kwargs(settings, self._sources, mode=mode, weights=self.weights, device=self.device)
        steps = kwargs["steps"]
        every = max(1, steps // REFRESHES_PER_RUN)
        alpha = kwargs["ratio"] if kwargs["style"] is not None else 1.0
        history: list[dict] = []
        last = {"t": 0.0}

        def callback(step: int, image: torch.Tensor, losses: dict) -> None:
            if job.stop_requested:
                raise StopOptimization
            history.append(losses)
            n = len(history)
            self.progress.value = min(n, steps)
            self.progress.description = f"{n}/{steps}"
            now = time.perf_counter()
            due = n == 1 or n == steps or (n % every == 0 and now - last["t"] >= MIN_REFRESH_SECONDS)
            if due:
                last["t"] = now
                self._draw(image, history, alpha, steps)
                job.data["refreshes"].append((n, time.perf_counter() - job.requested_at))

        job.data["alpha"] = alpha
        job.data["steps"] = steps
        job.data["size"] = kwargs["size"]
        result = stylize(**kwargs, callback=callback)
        # Uploaded or given images are tensors: record what the learner called them.
        if not isinstance(kwargs["content"], str):
            result.settings["content"] = settings.content
        if kwargs["style"] is not None and not isinstance(kwargs["style"], str):
            result.settings["style"] = [settings.style]
        result.settings["mode"] = mode
        return result

    def _draw(self, image: torch.Tensor, history: list[dict], alpha: float, steps: int) -> None:
        self.image.value = png_bytes(image, DISPLAY_SIDE)
        self.loss_plot.value = loss_plot_png(loss_curves(history, alpha), steps=steps)
        if self.loss_plot.layout.display == "none":
            self.loss_plot.layout.display = None

    def _lock(self, locked: bool) -> None:
        self._full_running = locked
        for widget in self._setting_widgets:
            widget.disabled = locked
        self.preview_button.disabled = locked
        self.run_button.disabled = locked

    def _on_start(self, job: Job) -> None:
        mode, settings = job.data["mode"], job.data["settings"]
        run = preview_run() if mode == "preview" else {"size": settings.size, "steps": settings.steps}
        if mode == "full":
            self._lock(True)
        self.stop_button.disabled = False
        self.progress.max = run["steps"]
        self.progress.value = 0
        self.progress.bar_style = "info"
        self._say(
            f"running the {mode} with {describe(settings, mode)[1]} ({run['size']} px, {run['steps']} steps)…"
            + (" settings are locked until it ends: press Stop to end it early" if mode == "full" else "")
        )

    def _on_finish(self, job: Job) -> None:
        mode, settings = job.data["mode"], job.data["settings"]
        pending = self.runner.pending
        superseded = job.preempted and pending is not None
        if pending is None or pending.data["mode"] != "full":
            self._lock(False)  # also when Stop dropped a queued full-size run before it started
        self.stop_button.disabled = pending is None
        if job.error is not None:
            self.progress.bar_style = "danger"
            self._say(one_line(job.error), error=True)
            return
        result: Result = job.outcome
        timing = job.timing(len(result.history), superseded)
        self.timings.append(timing)
        if superseded:
            return  # a newer preview is about to start: do not show a half-made one
        self.last_timing = timing
        self.result, self.result_settings, self.result_mode = result, settings, mode
        self.image.value = png_bytes(result.image, DISPLAY_SIDE)
        if result.history:
            self.loss_plot.value = loss_plot_png(
                loss_curves(result.history, job.data["alpha"]), steps=job.data["steps"]
            )
            self.loss_plot.layout.display = None
        self.progress.bar_style = "success" if not result.stopped else "warning"
        self.save_button.disabled = False
        self.gallery.add(result, settings, mode)
        self._show_gallery()
        final = result.final
        losses = (
            f"α·L_content {job.data['alpha'] * final.get('content', 0.0):.3g}, "
            f"β·L_style {final.get('style', 0.0):.3g}"
            if final
            else ""
        )
        what = describe(settings, mode)[1]
        self._say(f"{mode} with {what}: {result.message} in {result.seconds:.1f} s ({losses})")

    def _show_gallery(self) -> None:
        for slot, item in zip(self._slots, self.gallery.items):
            slot["image"].value = item.thumbnail
            lines = "<br>".join(html.escape(line) for line in item.lines)
            slot["caption"].value = f'<div style="font-size:11px; line-height:1.3">{lines}</div>'
            slot["box"].layout.display = None

    # ---------------------------------------------------------------- saving
    def save(self, path: str | Path | None = None) -> Path:
        """Write the shown result as PNG and, beside it, a JSON of its exact settings; returns the path."""
        if self.result is None:
            raise SettingsError("nothing to save yet: run a preview or a full-size run first")
        target = (
            Path(path)
            if path is not None
            else save_path(self.save_dir, self.result_settings, self.result_mode)
        )
        self.result.save(target)
        return target

    def _save_clicked(self) -> None:
        try:
            path = self.save()
        except (StyleTransferError, OSError) as exc:
            self._say(one_line(exc), error=True)
        else:
            self._say(f"saved {path} and {path.with_suffix('.json').name}")

    def _say(self, text: str, *, error: bool = False) -> None:
        colour = "#b00020" if error else "inherit"
        self.status.value = f'<span style="color:{colour}">{html.escape(text)}</span>'
        self.status_text = text
