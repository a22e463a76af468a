"""The panel's controls, made from the declared options: each shows, reads and writes its value."""

from __future__ import annotations

import pytest

from helpers.panels import controls as C
from helpers.synthesis.settings import controls, panel_default


@pytest.mark.parametrize(("opt", "control"), controls(), ids=[o.name for o, _ in controls()])
def test_each_control_reads_back_what_it_shows_and_what_is_written(opt, control):
    value = panel_default(opt)
    widgets = C.make(control, value)
    shown = C.read(control, widgets)
    assert shown == (value if isinstance(value, str) else pytest.approx(value))
    for widget in C.each(widgets):
        assert any(name.startswith(C.css_class(control)) for name in widget._dom_classes)
    if isinstance(value, dict):
        changed = {k: (not v) if isinstance(v, bool) else 0.5 for k, v in value.items()}
    elif control.options:
        changed = next(o for o in control.options if o != value)
    else:
        changed = type(value)(control.hi)
    C.write(control, widgets, changed)
    assert C.read(control, widgets) == changed


def test_an_unknown_kind_is_refused():
    opt, control = controls()[0]
    with pytest.raises(ValueError, match="unknown control kind 'knob'"):
        C.make(type(control)("knob", "x", "x"), 1)
