"""The widgets of :class:`~helpers.panels.style_panel.StylePanel` and how they are laid out.

The option controls come from :mod:`helpers.panels.controls` (one per declared option); this
module adds what is the panel's own: the image pickers and uploads, the buttons, the image as it
forms, the loss plot, the status line and the thumbnails, and puts everything in place. Every
widget carries a CSS class (``nst-…``) so a browser test can find it.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from ..core.vgg import STYLE_LAYERS
from ..synthesis.settings import controls
from . import controls as C
from .controls import LABEL_STYLE, classed
from .logic import PanelSettings, preview_run

#: The panel being built (a StylePanel: not imported, since style_panel imports this module).
StylePanel = Any

DISPLAY_SIDE = 320


def build(panel: StylePanel, s: PanelSettings, auto_preview: bool) -> None:
    """Make every widget of ``panel`` (attributes of it) from the settings ``s``, and lay them out."""
    _pickers(panel, s)
    panel.controls = {}
    for _, control in controls():
        widgets = C.make(control, getattr(s, control.field))
        panel.controls[control.field] = widgets
        setattr(panel, control.attr or control.field, widgets)
    panel.equal_weights_button = classed(
        W.Button(description="w_l = 1/L", tooltip="give each active layer 1/L, as in the paper"),
        "nst-equal-weights",
    )
    preview = preview_run()
    panel.auto_preview = classed(
        W.Checkbox(
            value=auto_preview,
            description=f"preview on every change ({preview['size']} px, {preview['steps']} steps)",
            indent=False,
        ),
        "nst-auto-preview",
    )
    _buttons_and_view(panel)
    panel.widget = classed(
        W.VBox(
            [
                W.HTML(
                    "<b>Style transfer</b>: minimise α·L<sub>content</sub> + β·L<sub>style</sub> "
                    "(Gatys et al., Eq. 7). Change a setting to see a quick preview; "
                    "<i>Run full size</i> renders it properly."
                ),
                W.HBox(
                    [
                        W.VBox([panel.content_picker, W.HBox([panel.content_upload, panel.content_thumb])]),
                        W.VBox([panel.style_picker, W.HBox([panel.style_upload, panel.style_thumb])]),
                    ]
                ),
                W.HBox([_controls_box(panel), W.VBox([panel.image, panel.progress, panel.loss_plot])]),
                W.HBox([panel.preview_button, panel.run_button, panel.stop_button, panel.save_button]),
                panel.status,
                W.HTML("<b>recent results</b> (newest first; <i>use</i> restores their settings)"),
                panel.thumbnails,
            ]
        ),
        "nst-panel",
    )


def _pickers(panel: StylePanel, s: PanelSettings) -> None:
    options = panel._picker_options()
    wide = W.Layout(width=C.WIDE)
    for role, value in (("content", s.content), ("style", s.style)):
        picker = W.Dropdown(options=options, value=value, description=role, style=LABEL_STYLE, layout=wide)
        upload = W.FileUpload(accept="image/*", description="upload your own", layout=W.Layout(width="190px"))
        thumb = W.Image(format="png", layout=W.Layout(max_height="96px"))
        setattr(panel, f"{role}_picker", classed(picker, f"nst-{role}"))
        setattr(panel, f"{role}_upload", classed(upload, f"nst-upload-{role}"))
        setattr(panel, f"{role}_thumb", classed(thumb, f"nst-{role}-thumb"))


def _buttons_and_view(panel: StylePanel) -> None:
    panel.preview_button = classed(
        W.Button(description="Preview", icon="eye", tooltip="small and quick: answers in seconds"),
        "nst-preview",
    )
    panel.run_button = classed(
        W.Button(description="Run full size", icon="play", button_style="primary"), "nst-run"
    )
    panel.stop_button = classed(
        W.Button(description="Stop", icon="stop", button_style="danger", disabled=True), "nst-stop"
    )
    panel.save_button = classed(
        W.Button(description="Save", icon="save", disabled=True, tooltip="PNG + JSON of the exact settings"),
        "nst-save",
    )
    side = f"{DISPLAY_SIDE}px"
    panel.image = classed(
        W.Image(format="png", layout=W.Layout(width=side, object_fit="contain")), "nst-image"
    )
    panel.progress = classed(
        W.IntProgress(value=0, min=0, max=1, description="", layout=W.Layout(width=side)), "nst-progress"
    )
    panel.status = classed(W.HTML(value="ready", layout=W.Layout(width="100%")), "nst-status")
    panel.status_text = "ready"
    panel.loss_plot = classed(
        W.Image(format="png", layout=W.Layout(width="380px", display="none")), "nst-losses"
    )
    panel._slots = [thumbnail_slot(panel, k) for k in range(panel.gallery.keep)]
    panel.thumbnails = classed(W.HBox([slot["box"] for slot in panel._slots]), "nst-thumbnails")


def _controls_box(panel: StylePanel) -> W.VBox:
    """The option controls in their declared order; the style layers as rows of switch and w_l."""
    items: list[W.Widget] = []
    for _, control in controls():
        widgets = panel.controls[control.field]
        if control.kind == "switches":
            continue  # shown beside the w_l sliders, in the rows below
        if control.kind == "layer_sliders":
            switches = next(panel.controls[c.field] for _, c in controls() if c.kind == "switches")
            rows = [
                W.HBox([switches[name], widgets[name]], layout=W.Layout(height="30px"))
                for name in STYLE_LAYERS
            ]
            items += [W.HTML("<b>style layers</b> (on/off and weight w<sub>l</sub>)"), *rows]
            items.append(panel.equal_weights_button)
        else:
            items += C.each(widgets)
    return W.VBox([*items, panel.auto_preview], layout=W.Layout(width="400px"))


def thumbnail_slot(panel: StylePanel, k: int) -> dict:
    """One place in the row of recent results: image, caption and a button restoring its settings."""
    image = classed(W.Image(format="png", layout=W.Layout(width="128px")), "nst-thumb-image")
    caption = classed(W.HTML(layout=W.Layout(width="190px")), "nst-thumb-caption")
    use = classed(W.Button(description="use", layout=W.Layout(width="60px")), "nst-thumb-use")
    use.on_click(lambda _, k=k: panel.restore(k))
    box = classed(
        W.VBox([image, caption, use], layout=W.Layout(display="none", margin="0 8px 0 0")), "nst-thumb"
    )
    return {"box": box, "image": image, "caption": caption, "use": use}
