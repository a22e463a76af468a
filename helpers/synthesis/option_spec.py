"""The parts of one option's declaration in :class:`helpers.synthesis.settings.Settings`.

An :class:`Option` carries the help text, the check (a one-line
:class:`~helpers.errors.SettingsError` that says what to do), a :class:`Cli` flag and a panel
:class:`Control`; the checks and the text-to-value converters the declaration uses live here too.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..base.config import choose, resolve_device
from ..base.errors import SettingsError
from ..core.losses import StyleStatistic
from ..core.objective import check_weight, resolve_layer_weights
from ..core.optimize import check_steps
from ..core.vgg import STYLE_LAYERS, check_layers
from ..extensions.multiscale import check_scales
from ..extensions.style_losses import STYLE_LOSSES, style_statistic
from ..imaging.catalog import catalog
from ..imaging.images import check_size

INITS = ("noise", "content", "style")
PRECISIONS = ("auto", "fp32", "bf16")

# ---------------------------------------------------------------- how an option appears elsewhere


@dataclass(frozen=True)
class Cli:
    """An option on the command line (``python -m helpers stylize ...``).

    ``commands``: the option groups it joins: ``"run"`` (every command that optimises an image),
    ``"stylize"``, ``"beyond"`` (stylize's "beyond the paper" group), ``"texture"``.
    ``parse`` turns the typed text into a value (argparse's ``type``); ``to_option`` maps the
    parsed value to the option's (e.g. ``"none"`` to ``None``). ``example``: a valid value as
    typed (the tests pass it to show that the flag reaches the option).
    """

    flag: str
    commands: tuple[str, ...]
    example: str
    parse: Callable[[str], Any] | None = None
    choices: tuple[str, ...] | None = None
    action: str | None = None  # "store_true" for a switch, "append" for a repeated flag
    metavar: str | None = None
    to_option: Callable[[Any], Any] = lambda value: value


@dataclass(frozen=True)
class Control:
    """An option's control in :class:`helpers.StylePanel`.

    ``kind`` picks the widget: ``"log_slider"``, ``"int_slider"``, ``"toggle"``, ``"dropdown"``,
    ``"int_text"``, or one per style layer: ``"switches"`` (on/off) and ``"layer_sliders"`` (w_l).
    ``field`` names the panel's setting (and ``attr`` the panel's attribute, default ``field``);
    ``default`` gives the panel's starting value where it differs from the option's (a function:
    some depend on the speed mode);
    ``to_option(panel_settings)`` gives the option's value for ``stylize``. ``previews``: whether
    a change starts a preview (size and steps only matter for the full-size run).
    """

    kind: str
    field: str
    label: str
    default: Callable[[], Any] | None = None
    to_option: Callable[[Any], Any] | None = None
    attr: str | None = None
    css: str | None = None
    lo: float = 0.0
    hi: float = 1.0
    step: float = 1.0
    options: tuple = ()
    tooltips: tuple[str, ...] = ()
    readout: str | None = None
    previews: bool = True

    def value_for(self, panel_settings: Any) -> Any:
        """The option's value for ``stylize`` from the panel's settings."""
        if self.to_option is None:
            return getattr(panel_settings, self.field)
        return self.to_option(panel_settings)


@dataclass(frozen=True)
class Option:
    """One run option: help text, check, and where it appears (a spec, or a reason it does not)."""

    help: str
    check: Callable[[Any], Any] | None = None
    cli: Cli | str = "not on the command line"
    panel: Control | str = "not in the panel"
    saved: Callable[[Any], Any] | str = "plain"
    name: str = ""
    default: Any = None


def option(default: Any, help: str, **spec: Any) -> Any:
    """A field of :class:`Settings` with its :class:`Option`."""
    return field(default=default, metadata={"option": Option(help=help, **spec)})


# ---------------------------------------------------------------- checks (one line, says what to do)


def check_choice(name: str, choices: Sequence) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value not in choices:
            names = [repr(c) for c in choices]
            raise SettingsError(f"unknown {name} {value!r}: use {', '.join(names[:-1])} or {names[-1]}")
        return value

    return check


def check_style_loss(value: Any) -> Any:
    if isinstance(value, StyleStatistic):
        return value
    return check_choice("style_loss", tuple(STYLE_LOSSES))(value)


def check_init(value: Any) -> Any:
    """A starting image: one of :data:`INITS`, an image tensor, or an image file (a path, a URL or
    a catalogue name), which must exist."""
    if isinstance(value, torch.Tensor) or value in INITS:
        return value
    if isinstance(value, (str, Path)):
        text = str(value)
        if Path(text).is_file() or text in catalog() or text.startswith(("http://", "https://")):
            return value
    raise SettingsError(
        f"unknown init {value!r}: use 'noise', 'content', 'style', an image file or an image tensor"
    )


def check_whole(name: str, least: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{name} must be a whole number, got {value!r}") from None
        if not math.isfinite(number) or number != int(number) or number < least:
            raise SettingsError(f"{name} must be a whole number of at least {least}, got {value!r}")
        return int(number)

    return check


def optional_check(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else check(value)


def check_bool(name: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise SettingsError(f"{name} must be True, False or None (automatic), got {value!r}")
        return value

    return check


def none_for(word: str) -> Callable[[str], str | None]:
    """A command-line word that stands for ``None`` (``--weights none``)."""
    return lambda value: None if value == word else value


def on_off_auto(value: str | None) -> bool | None:
    """``--compile on|off|auto`` as ``True``, ``False`` or ``None``."""
    return {"on": True, "off": False}.get(value)  # "auto", or the flag not given: None


def check_layer_names(what: str) -> Callable[[Any], tuple[str, ...]]:
    return lambda value: tuple(check_layers(value, what=what))


def check_style_weights(value: Sequence[float]) -> list[float]:
    weights = [check_weight("style weight", w) for w in value]
    if not sum(weights):
        raise SettingsError("style_weights are all zero: give at least one a positive weight")
    return weights


def check_shape(value: Sequence[int]) -> tuple[int, int]:
    return (check_size(value[0], "shape[0] (height)"), check_size(value[1], "shape[1] (width)"))


def check_device(value: Any) -> Any:
    resolve_device(value)  # refuses an unknown or missing device now, before any work
    return value


def check_callable(value: Any) -> Any:
    if not callable(value):
        raise SettingsError(f"callback must be a function callback(step, image, losses), got {value!r}")
    return value


def check_together(s: Any, correct: Callable[[str, Any], None]) -> None:
    """The checks of :class:`Settings` that need two options at once; ``correct(name, value)``
    stores a value made exact (steps per scale)."""
    if s.scales is not None:
        scales, steps = check_scales(s.scales, s.steps)
        correct("scales", scales)
        correct("steps", steps)
    else:
        correct("steps", check_steps(s.steps))
    resolve_layer_weights(s.style_layers, s.layer_weights)
    if s.style_masks is not None and s.masks is None:
        raise SettingsError("style_masks need masks (the regions of the output): give masks too")
    if s.masks is not None and not style_statistic(s.style_loss).supports_masks:
        raise SettingsError(
            f"masks are defined for style_loss='gram' only (the guided Gram matrices of Gatys et "
            f"al. 2017), not for {s.style_loss!r}: use style_loss='gram' or drop the masks"
        )


def check_count(value: Any) -> int:
    return 0 if value is None else sum(m is not None for m in value)


def jsonable(value: Any) -> Any:
    """A value as JSON: tuples as lists, paths as text, an image tensor as ``"tensor"``."""
    if isinstance(value, torch.Tensor):
        return "tensor"
    if isinstance(value, (tuple, list)):
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    return value


def parse_csv(kind: Callable[[str], Any]) -> Callable[[str], list]:
    def parse(text: str) -> list:
        try:
            return [kind(v.strip()) for v in text.split(",") if v.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated values, got {text!r}") from None

    return parse


def parse_height_x_width(text: str) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HEIGHTxWIDTH such as 512x768, got {text!r}") from None
    return h, w


def parse_int_of_float(text: str) -> int:
    return int(float(text))


def panel_layers(ps: Any) -> list[str]:
    return [name for name in STYLE_LAYERS if ps.layers_on.get(name, False)]


def panel_weights(ps: Any) -> dict[str, float]:
    return {name: float(ps.layer_weights[name]) for name in panel_layers(ps)}


def gram_ratio() -> float:
    """The panel's starting α/β: the paper's 1e-3 (its style loss, the Gram matrices)."""
    return STYLE_LOSSES["gram"].default_ratio


def full_size() -> int:
    return choose(256, quick=64)  # a clear picture in a few minutes on a CPU


def full_steps() -> int:
    return choose(300, quick=8)


RUN, STYLIZE, BEYOND, TEXTURE = ("run",), ("stylize",), ("beyond",), ("texture",)
NOT_IN_PANEL = "not in the panel yet: use stylize() or the command line"
