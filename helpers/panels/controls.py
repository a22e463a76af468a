"""The style panel's controls, made from the options declared with a
:class:`~helpers.synthesis.settings.Control`: one widget (or one per style layer) each, read and
written the same way for every option, so a new option with a control needs no code here.

Every widget carries a CSS class (``nst-…``) so a browser test can find it.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as W

from ..core.vgg import STYLE_LAYERS
from ..synthesis.settings import Control

LABEL_STYLE = {"description_width": "90px"}
WIDE = "340px"

#: A control's widget, or its widgets by style layer.
Widgets = W.Widget | dict[str, W.Widget]


def classed(widget: W.Widget, *classes: str) -> W.Widget:
    """``widget`` with the CSS classes ``classes`` added."""
    for name in classes:
        widget.add_class(name)
    return widget


def css_class(control: Control) -> str:
    return "nst-" + (control.css or control.field).replace("_", "-")


def make(control: Control, value: Any) -> Widgets:
    """The widget(s) of ``control``, showing ``value``."""
    kind, css = control.kind, css_class(control)
    if kind in ("switches", "layer_sliders"):
        return {
            name: classed(_layer_widget(control, name, value), css, f"{css}-{name}") for name in STYLE_LAYERS
        }
    common = {"description": control.label, "style": LABEL_STYLE}
    slider = {"continuous_update": False, **common}
    if kind == "log_slider":
        widget = W.FloatLogSlider(
            value=value,
            base=10,
            min=math.log10(control.lo),
            max=math.log10(control.hi),
            step=control.step,
            readout_format=control.readout or ".2g",
            layout=W.Layout(width=WIDE),
            **slider,
        )
    elif kind == "int_slider":
        bounds = {"min": int(control.lo), "max": int(control.hi), "step": int(control.step)}
        widget = W.IntSlider(value=value, **bounds, **slider)
    elif kind == "toggle":
        widget = W.ToggleButtons(
            options=list(control.options),
            value=value,
            tooltips=list(control.tooltips),
            description=control.label,
            style={"button_width": "72px", "description_width": "90px"},
        )
    elif kind == "dropdown":
        widget = W.Dropdown(options=list(control.options), value=value, **common)
    elif kind == "int_text":
        bounds = {"min": int(control.lo), "max": int(control.hi)}
        widget = W.BoundedIntText(value=value, layout=W.Layout(width=WIDE), **bounds, **common)
    else:
        raise ValueError(f"unknown control kind {kind!r}")
    return classed(widget, css)


def _layer_widget(control: Control, name: str, value: dict) -> W.Widget:
    if control.kind == "switches":
        on = bool(value.get(name, False))
        return W.Checkbox(value=on, description=name, indent=False, layout=W.Layout(width="90px"))
    return W.FloatSlider(
        value=float(value.get(name, 0.0)),
        min=control.lo,
        max=control.hi,
        step=control.step,
        description=control.label,
        continuous_update=False,
        readout_format=".2f",
        style={"description_width": "30px"},
        layout=W.Layout(width="240px"),
    )


def read(control: Control, widgets: Widgets) -> Any:
    """The value ``control``'s widget(s) show, as a plain value."""
    if isinstance(widgets, dict):
        kind = bool if control.kind == "switches" else float
        return {name: kind(widget.value) for name, widget in widgets.items()}
    if control.kind in ("int_slider", "int_text"):
        return int(widgets.value)
    if control.kind == "log_slider":
        return float(widgets.value)
    return widgets.value


def write(control: Control, widgets: Widgets, value: Any) -> None:
    """Show ``value`` in ``control``'s widget(s)."""
    if isinstance(widgets, dict):
        missing = False if control.kind == "switches" else 0.0
        for name, widget in widgets.items():
            widget.value = type(missing)(value.get(name, missing))
    else:
        widgets.value = value


def each(widgets: Widgets) -> list[W.Widget]:
    """The widgets of one control as a list."""
    return list(widgets.values()) if isinstance(widgets, dict) else [widgets]
