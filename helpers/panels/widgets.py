r"""Interactive panels for the notebooks: tweak the weights and watch the image form.

* :class:`StylePanel`: every knob of :func:`helpers.stylize` (the ratio :math:`\alpha/\beta` on a
  log scale, :math:`w_l` per style layer with an on/off switch, content layer, pooling,
  initialisation, optimiser, size, steps), image pickers with uploads, Preview / Run / Stop /
  Save, the image as it forms, a live loss curve, and thumbnails of the last results.
* :class:`GramPanel`: pick a layer and two filters; see their feature maps and the Gram entry
  :math:`G^l_{ij} = \sum_k F^l_{ik} F^l_{jk}` they make, marked in the heat map.

Runs go to a :class:`~helpers.runner.Runner`: one at a time, in a background thread, so the kernel
answers clicks while the optimiser works. A change during a *preview* stops it and starts a new
preview with the latest settings; during a *full-size* run the settings are disabled (greyed out)
until it ends or Stop is pressed. Widgets are only ever *updated* from that thread (an ``Image``
whose ``value`` is set), never written through an ``Output`` context, which is not thread-safe.

Every widget carries a CSS class (``nst-…``) so a browser test can find it. The logic (settings
-> ``stylize`` arguments, history -> curves, thumbnails) lives in :mod:`helpers.panel_logic`.
"""

from __future__ import annotations

import contextlib
import html
import time
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as W
import torch

from ..base.config import choose
from ..base.errors import SettingsError, StopOptimization, StyleTransferError
from ..core.result import Result
from ..core.vgg import CHANNELS, CONV_LAYERS, STYLE_LAYERS, vgg19
from ..imaging import catalog
from ..imaging.images import ImageSource, load_image
from ..synthesis.stylize import stylize
from .logic import (
    Gallery,
    PanelSettings,
    describe,
    gram_entry,
    gram_figure_png,
    loss_curves,
    loss_plot_png,
    png_bytes,
    preview_run,
    read_upload,
    save_path,
    strongest_pair,
    stylize_kwargs,
)
from .runner import Job, Runner

#: Refresh the forming image about this many times per run, and at most this often (seconds).
REFRESHES_PER_RUN = 15
MIN_REFRESH_SECONDS = 0.4
DISPLAY_SIDE = 320


def _one_line(exc: BaseException) -> str:
    """An exception as one line: the package's own errors already are; others get their type."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, StyleTransferError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _classed(widget: W.Widget, *classes: str) -> W.Widget:
    for name in classes:
        widget.add_class(name)
    return widget


class StylePanel:
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
        self._build(defaults, auto_preview)
        self._show_source(self.content_picker, self.content_thumb)
        self._show_source(self.style_picker, self.style_thumb)
        self._show_start_image()

    # ---------------------------------------------------------------- layout
    def _build(self, s: PanelSettings, auto_preview: bool) -> None:
        style = {"description_width": "90px"}
        wide = W.Layout(width="340px")
        options = self._picker_options()
        self.content_picker = _classed(
            W.Dropdown(options=options, value=s.content, description="content", style=style, layout=wide),
            "nst-content",
        )
        self.style_picker = _classed(
            W.Dropdown(options=options, value=s.style, description="style", style=style, layout=wide),
            "nst-style",
        )
        self.content_upload = _classed(
            W.FileUpload(accept="image/*", description="upload your own", layout=W.Layout(width="190px")),
            "nst-upload-content",
        )
        self.style_upload = _classed(
            W.FileUpload(accept="image/*", description="upload your own", layout=W.Layout(width="190px")),
            "nst-upload-style",
        )
        self.content_thumb = _classed(
            W.Image(format="png", layout=W.Layout(max_height="96px")), "nst-content-thumb"
        )
        self.style_thumb = _classed(
            W.Image(format="png", layout=W.Layout(max_height="96px")), "nst-style-thumb"
        )

        self.ratio = _classed(
            W.FloatLogSlider(
                value=s.ratio,
                base=10,
                min=-6,
                max=0,
                step=0.25,
                description="α/β",
                readout_format=".1e",
                continuous_update=False,
                style=style,
                layout=wide,
            ),
            "nst-ratio",
        )
        self.layer_on: dict[str, W.Checkbox] = {}
        self.layer_weight: dict[str, W.FloatSlider] = {}
        for name in STYLE_LAYERS:
            self.layer_on[name] = _classed(
                W.Checkbox(
                    value=s.layers_on[name], description=name, indent=False, layout=W.Layout(width="90px")
                ),
                "nst-layer",
                f"nst-layer-{name}",
            )
            self.layer_weight[name] = _classed(
                W.FloatSlider(
                    value=s.layer_weights[name],
                    min=0.0,
                    max=1.0,
                    step=0.05,
                    description="w_l",
                    continuous_update=False,
                    readout_format=".2f",
                    style={"description_width": "30px"},
                    layout=W.Layout(width="240px"),
                ),
                "nst-weight",
                f"nst-weight-{name}",
            )
        self.equal_weights_button = _classed(
            W.Button(description="w_l = 1/L", tooltip="give each active layer 1/L, as in the paper"),
            "nst-equal-weights",
        )
        self.content_layer = _classed(
            W.Dropdown(
                options=list(CONV_LAYERS), value=s.content_layer, description="content layer", style=style
            ),
            "nst-content-layer",
        )
        toggle = {"style": {"button_width": "72px", "description_width": "90px"}}
        self.pooling = _classed(
            W.ToggleButtons(options=["avg", "max"], value=s.pooling, description="pooling", **toggle),
            "nst-pooling",
        )
        self.init = _classed(
            W.ToggleButtons(
                options=["noise", "content", "style"], value=s.init, description="init", **toggle
            ),
            "nst-init",
        )
        self.optimizer = _classed(
            W.ToggleButtons(options=["lbfgs", "adam"], value=s.optimizer, description="optimiser", **toggle),
            "nst-optimizer",
        )
        self.preserve_color = _classed(
            W.ToggleButtons(
                options=["none", "luminance", "histogram"],
                value=s.preserve_color,
                description="keep colour",
                tooltips=["the painting's colours", "style on brightness only", "painting recoloured first"],
                **toggle,
            ),
            "nst-preserve-color",
        )
        self.size = _classed(
            W.IntSlider(
                value=s.size,
                min=64,
                max=1024,
                step=32,
                description="size (px)",
                continuous_update=False,
                style=style,
            ),
            "nst-size",
        )
        self.steps = _classed(
            W.IntSlider(
                value=s.steps,
                min=1,
                max=1000,
                step=1,
                description="steps",
                continuous_update=False,
                style=style,
            ),
            "nst-steps",
        )
        self.seed = _classed(
            W.BoundedIntText(
                value=s.seed, min=0, max=2**31 - 1, description="seed", style=style, layout=wide
            ),
            "nst-seed",
        )
        preview = preview_run()
        self.auto_preview = _classed(
            W.Checkbox(
                value=auto_preview,
                description=f"preview on every change ({preview['size']} px, {preview['steps']} steps)",
                indent=False,
            ),
            "nst-auto-preview",
        )

        self.preview_button = _classed(
            W.Button(description="Preview", icon="eye", tooltip="small and quick: answers in seconds"),
            "nst-preview",
        )
        self.run_button = _classed(
            W.Button(description="Run full size", icon="play", button_style="primary"), "nst-run"
        )
        self.stop_button = _classed(
            W.Button(description="Stop", icon="stop", button_style="danger", disabled=True), "nst-stop"
        )
        self.save_button = _classed(
            W.Button(
                description="Save", icon="save", disabled=True, tooltip="PNG + JSON of the exact settings"
            ),
            "nst-save",
        )

        self.image = _classed(
            W.Image(format="png", layout=W.Layout(width=f"{DISPLAY_SIDE}px", object_fit="contain")),
            "nst-image",
        )
        self.progress = _classed(
            W.IntProgress(value=0, min=0, max=1, description="", layout=W.Layout(width=f"{DISPLAY_SIDE}px")),
            "nst-progress",
        )
        self.status = _classed(W.HTML(value="ready", layout=W.Layout(width="100%")), "nst-status")
        self.status_text = "ready"
        self.loss_plot = _classed(
            W.Image(format="png", layout=W.Layout(width="380px", display="none")), "nst-losses"
        )
        self._slots = [self._thumbnail_slot(k) for k in range(self.gallery.keep)]
        self.thumbnails = _classed(W.HBox([slot["box"] for slot in self._slots]), "nst-thumbnails")

        # Everything that changes what a run computes; disabled during a full-size run.
        self._setting_widgets: list[W.Widget] = [
            self.content_picker,
            self.style_picker,
            self.content_upload,
            self.style_upload,
            self.ratio,
            *self.layer_on.values(),
            *self.layer_weight.values(),
            self.equal_weights_button,
            self.content_layer,
            self.pooling,
            self.init,
            self.optimizer,
            self.preserve_color,
            self.size,
            self.steps,
            self.seed,
        ]
        # Changes to these start a preview (size and steps only matter for the full run).
        previewed = [w for w in self._setting_widgets if w not in (self.size, self.steps)]
        for widget in previewed:
            if not isinstance(widget, (W.FileUpload, W.Button)):
                widget.observe(self._on_setting_change, names="value")
        self.content_picker.observe(
            lambda _: self._show_source(self.content_picker, self.content_thumb), "value"
        )
        self.style_picker.observe(lambda _: self._show_source(self.style_picker, self.style_thumb), "value")
        self.content_upload.observe(
            lambda c: self._on_upload(c, self.content_picker, self.content_upload), "value"
        )
        self.style_upload.observe(lambda c: self._on_upload(c, self.style_picker, self.style_upload), "value")
        self.equal_weights_button.on_click(lambda _: self.equal_weights())
        self.preview_button.on_click(lambda _: self._request("preview"))
        self.run_button.on_click(lambda _: self._request("full"))
        self.stop_button.on_click(lambda _: self.stop())
        self.save_button.on_click(lambda _: self._save_clicked())

        header = W.HTML(
            "<b>Style transfer</b>: minimise α·L<sub>content</sub> + β·L<sub>style</sub> "
            "(Gatys et al., Eq. 7). Change a setting to see a quick preview; "
            "<i>Run full size</i> renders it properly."
        )
        pickers = W.HBox(
            [
                W.VBox([self.content_picker, W.HBox([self.content_upload, self.content_thumb])]),
                W.VBox([self.style_picker, W.HBox([self.style_upload, self.style_thumb])]),
            ]
        )
        layer_rows = [
            W.HBox([self.layer_on[name], self.layer_weight[name]], layout=W.Layout(height="30px"))
            for name in STYLE_LAYERS
        ]
        controls = W.VBox(
            [
                self.ratio,
                W.HTML("<b>style layers</b> (on/off and weight w<sub>l</sub>)"),
                *layer_rows,
                self.equal_weights_button,
                self.content_layer,
                self.pooling,
                self.init,
                self.optimizer,
                self.preserve_color,
                self.size,
                self.steps,
                self.seed,
                self.auto_preview,
            ],
            layout=W.Layout(width="400px"),
        )
        view = W.VBox([self.image, self.progress, self.loss_plot])
        buttons = W.HBox([self.preview_button, self.run_button, self.stop_button, self.save_button])
        self.widget = _classed(
            W.VBox(
                [
                    header,
                    pickers,
                    W.HBox([controls, view]),
                    buttons,
                    self.status,
                    W.HTML("<b>recent results</b> (newest first; <i>use</i> restores their settings)"),
                    self.thumbnails,
                ]
            ),
            "nst-panel",
        )

    def _thumbnail_slot(self, k: int) -> dict:
        image = _classed(W.Image(format="png", layout=W.Layout(width="128px")), "nst-thumb-image")
        caption = _classed(W.HTML(layout=W.Layout(width="190px")), "nst-thumb-caption")
        use = _classed(W.Button(description="use", layout=W.Layout(width="60px")), "nst-thumb-use")
        use.on_click(lambda _, k=k: self.restore(k))
        box = _classed(
            W.VBox([image, caption, use], layout=W.Layout(display="none", margin="0 8px 0 0")), "nst-thumb"
        )
        return {"box": box, "image": image, "caption": caption, "use": use}

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ---------------------------------------------------------------- images
    def _picker_options(self) -> list[tuple[str, str]]:
        options = []
        for key in self._sources:
            try:
                entry = catalog.lookup(key)
                label = f"{entry.title} ({entry.artist.split()[-1]})"
            except StyleTransferError:
                label = key
            options.append((label, key))
        return options

    def _add_source(self, source: ImageSource, role: str) -> str:
        """Register an image source under a key the pickers show; returns the key."""
        if isinstance(source, str) and not source.startswith(("http://", "https://")) and "/" not in source:
            try:
                return catalog.lookup(source).name
            except StyleTransferError:
                pass
        key = f"{role}: {Path(source).name}" if isinstance(source, (str, Path)) else f"your {role} image"
        self._sources[key] = source
        if hasattr(self, "content_picker"):
            self._refresh_options()
        return key

    def _refresh_options(self) -> None:
        options = self._picker_options()
        for picker in (self.content_picker, self.style_picker):
            value = picker.value
            with self._quietly():
                picker.options = options
                picker.value = value

    def _show_source(self, picker: W.Dropdown, thumb: W.Image) -> None:
        try:
            thumb.value = png_bytes(load_image(self._sources[picker.value], 96))
        except StyleTransferError as exc:
            self._say(_one_line(exc), error=True)

    def _show_start_image(self) -> None:
        try:
            image = load_image(self._sources[self.content_picker.value], DISPLAY_SIDE)
            self.image.value = png_bytes(image)
        except StyleTransferError as exc:
            self._say(_one_line(exc), error=True)

    def _on_upload(self, change, picker: W.Dropdown, upload: W.FileUpload) -> None:
        if not change["new"]:
            return
        try:
            name, image, notes = read_upload(change["new"])
        except StyleTransferError as exc:
            self._say(_one_line(exc), error=True)
        else:
            key = f"upload: {name}"
            self._sources[key] = image
            self._refresh_options()
            picker.value = key  # starts a preview when that is on
            note = f" ({'; '.join(notes)})" if notes else ""
            if not self.runner.busy:
                self._say(f"uploaded {name}: {image.shape[-1]}×{image.shape[-2]} px{note}")
        finally:
            with self._quietly():
                upload.value = ()  # the bytes are kept in the panel; let the same file be chosen again

    # ---------------------------------------------------------------- settings
    def settings(self) -> PanelSettings:
        """The controls' current values."""
        return PanelSettings(
            content=self.content_picker.value,
            style=self.style_picker.value,
            ratio=float(self.ratio.value),
            layers_on={name: bool(box.value) for name, box in self.layer_on.items()},
            layer_weights={name: float(slider.value) for name, slider in self.layer_weight.items()},
            content_layer=self.content_layer.value,
            pooling=self.pooling.value,
            init=self.init.value,
            optimizer=self.optimizer.value,
            preserve_color=self.preserve_color.value,
            size=int(self.size.value),
            steps=int(self.steps.value),
            seed=int(self.seed.value),
        )

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
            self.ratio.value = settings.ratio
            for name in STYLE_LAYERS:
                self.layer_on[name].value = bool(settings.layers_on.get(name, False))
                self.layer_weight[name].value = float(settings.layer_weights.get(name, 0.0))
            self.content_layer.value = settings.content_layer
            self.pooling.value = settings.pooling
            self.init.value = settings.init
            self.optimizer.value = settings.optimizer
            self.preserve_color.value = settings.preserve_color
            self.size.value = settings.size
            self.steps.value = settings.steps
            self.seed.value = settings.seed
        if self.auto_preview.value if preview is None else preview:
            self._request("preview")

    def set(self, **changes) -> StylePanel:
        """Change settings by name (``panel.set(ratio=1e-4, init="noise")``) without starting a preview.

        The names are :class:`~helpers.panel_logic.PanelSettings`' fields.
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
            self._say(_one_line(job.error), error=True)
            return
        result: Result = job.outcome
        refreshes = job.data["refreshes"]
        timing = {
            "mode": mode,
            "size": job.data.get("size"),
            "steps": job.data.get("steps"),
            "steps_run": len(result.history),
            "to_first_image_s": round(refreshes[0][1], 2) if refreshes else None,
            "to_second_image_s": round(refreshes[1][1], 2) if len(refreshes) > 1 else None,
            "to_finished_s": round(job.finished_at - job.requested_at, 2),
            "superseded": superseded,
        }
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
            self._say(_one_line(exc), error=True)
        else:
            self._say(f"saved {path} and {path.with_suffix('.json').name}")

    def _say(self, text: str, *, error: bool = False) -> None:
        colour = "#b00020" if error else "inherit"
        self.status.value = f'<span style="color:{colour}">{html.escape(text)}</span>'
        self.status_text = text


class GramPanel:
    r"""Pick a layer and two filters; see their feature maps and the Gram entry they make.

    :math:`G^l_{ij} = \sum_k F^l_{ik} F^l_{jk}`: the product of the two maps, summed over every
    position k. The heat map marks where the entry sits among all :math:`N_l \times N_l`.
    """

    def __init__(
        self,
        image: ImageSource = "starry_night",
        *,
        size: int | None = None,
        layers=STYLE_LAYERS,
        weights: str | None = "caffe",
        pooling: str = "avg",
        device: str | torch.device | None = None,
    ) -> None:
        size = choose(128, quick=64) if size is None else size
        picture = load_image(image, size)
        net = vgg19(weights, pooling, device)
        with torch.no_grad():
            self.features = {k: v.float().cpu() for k, v in net(picture.to(net.device), list(layers)).items()}
        self.picture = picture
        first = list(layers)[0]
        n = CHANNELS[first]
        self.layer = _classed(
            W.Dropdown(options=list(layers), value=first, description="layer"), "nst-gram-layer"
        )
        self.i = _classed(W.IntSlider(value=0, min=0, max=n - 1, description="filter i"), "nst-gram-i")
        self.j = _classed(W.IntSlider(value=1, min=0, max=n - 1, description="filter j"), "nst-gram-j")
        self.strongest_button = _classed(
            W.Button(description="strongest pair", tooltip="the largest off-diagonal G_ij of this layer"),
            "nst-gram-strongest",
        )
        self.figure = _classed(W.Image(format="png", layout=W.Layout(width="100%")), "nst-gram-figure")
        self.readout = _classed(W.HTML(), "nst-gram-readout")
        self._holding = False
        self.layer.observe(self._on_layer, "value")
        self.i.observe(lambda _: self._changed(), "value")
        self.j.observe(lambda _: self._changed(), "value")
        self.strongest_button.on_click(lambda _: self.select_strongest())
        thumb = W.Image(value=png_bytes(picture, 96), format="png", layout=W.Layout(max_height="96px"))
        self.widget = _classed(
            W.VBox(
                [
                    W.HBox([thumb, W.VBox([self.layer, self.i, self.j, self.strongest_button])]),
                    self.readout,
                    self.figure,
                ]
            ),
            "nst-gram-panel",
        )
        self.update()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def entry(self):
        """The current :class:`~helpers.panel_logic.GramEntry`."""
        return gram_entry(self.features[self.layer.value], self.i.value, self.j.value)

    def _changed(self) -> None:
        if not self._holding:
            self.update()

    @contextlib.contextmanager
    def _hold(self) -> Iterator[None]:
        """Move several controls, then draw once."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        self.update()

    def _on_layer(self, change) -> None:
        n = self.features[change["new"]].shape[1]
        with self._hold():
            self.i.max = self.j.max = n - 1  # clamps i and j into the new layer's range

    def select_strongest(self) -> None:
        """Jump to the two filters of this layer that respond together most (largest off-diagonal G_ij)."""
        i, j = strongest_pair(self.entry().gram)
        with self._hold():
            self.i.value, self.j.value = i, j

    def update(self) -> None:
        entry = self.entry()
        layer = self.layer.value
        n, m = entry.gram.shape[0], entry.f_i.numel()
        self.readout.value = (
            f"<b>{layer}</b>: N<sub>l</sub> = {n} filters, M<sub>l</sub> = {m} positions. "
            f"G<sub>{entry.i},{entry.j}</sub> = Σ<sub>k</sub> F<sub>{entry.i}k</sub> F<sub>{entry.j}k</sub> "
            f"= <b>{entry.value:.4g}</b>; normalised G<sub>ij</sub>/√(G<sub>ii</sub>G<sub>jj</sub>) = "
            f"{entry.cosine:.2f}"
        )
        self.figure.value = gram_figure_png(entry, layer)
