r"""The run options of :func:`helpers.stylize`, each declared once.

:class:`Settings` is a frozen dataclass with one field per option. Each field carries an
:class:`Option`: its help text, its check (a one-line :class:`~helpers.errors.SettingsError` that
says what to do) and how it appears elsewhere:

* ``cli``: a :class:`Cli` (flag, which commands, how the text becomes a value), or a reason why
  the option is not on the command line;
* ``panel``: a :class:`Control` (the widget of :class:`helpers.StylePanel`), or a reason;
* ``saved``: how the value goes into the JSON beside a saved image: ``"plain"`` (as given),
  ``"resolved"`` (the value the run used, e.g. the size ``None`` stood for), a function of the
  value, or a reason it is not saved.

Everything else is derived from this declaration: ``stylize``'s signature and docstring, the CLI
(:mod:`helpers.cli`), the panel (:mod:`helpers.panels`), coarse to fine and the saved JSON. Adding
an option means adding a field here and the code that uses it; its checks come from the floors below.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..base.errors import SettingsError
from ..core.losses import StyleStatistic
from ..core.objective import check_weight
from ..core.optimize import OPTIMIZERS
from ..core.vgg import CONTENT_LAYERS, CONV_LAYERS, POOLINGS, STYLE_LAYERS, WEIGHT_SETS
from ..extensions.color import PRESERVE_COLOR, check_mode
from ..extensions.style_losses import STYLE_LOSSES
from ..imaging.images import check_size
from .option_spec import (
    BEYOND,
    INITS,
    NOT_IN_PANEL,
    PRECISIONS,
    RUN,
    STYLIZE,
    TEXTURE,
    Cli,
    Control,
    Option,
    check_bool,
    check_callable,
    check_choice,
    check_count,
    check_device,
    check_init,
    check_layer_names,
    check_shape,
    check_style_loss,
    check_style_weights,
    check_together,
    check_whole,
    full_size,
    full_steps,
    gram_ratio,
    jsonable,
    none_for,
    on_off_auto,
    option,
    optional_check,
    panel_layers,
    panel_weights,
    parse_csv,
    parse_height_x_width,
    parse_int_of_float,
)

# ---------------------------------------------------------------- the declaration


@dataclass(frozen=True)
class Settings:
    """Every option of :func:`helpers.stylize`, checked when made (one line on a bad value).

    ``dataclasses.replace(s, size=512)`` makes a checked copy; ``Settings.of`` names a misspelt option.
    """

    ratio: float | None = option(
        None,
        "the ratio alpha/beta of content to style weight in Eq. 7; the paper uses 1e-3 and 1e-4 "
        "(default: 1e-3 for style_loss='gram'; each other style loss has its own scale and default)",
        check=optional_check(lambda v: check_weight("ratio (alpha/beta)", v, positive=True)),
        cli=Cli("--ratio", STYLIZE, "1e-4", parse=float),
        panel=Control("log_slider", "ratio", "α/β", gram_ratio, lo=1e-9, hi=1.0, step=0.25, readout=".1e"),
        saved="resolved",
    )
    style_loss: str | StyleStatistic = option(
        "gram",
        "the statistic of the features that is the style: 'gram' (the paper's), 'mean_std', "
        "'histogram', 'sliced_wasserstein' or a StyleStatistic; see helpers.extensions.style_losses",
        check=check_style_loss,
        cli=Cli("--style-loss", BEYOND + TEXTURE, "mean_std", choices=tuple(STYLE_LOSSES)),
        panel=Control("dropdown", "style_loss", "style loss", options=tuple(STYLE_LOSSES)),
        saved=str,  # a name, or the repr of a statistic of your own
    )
    style_layers: Sequence[str] = option(
        STYLE_LAYERS,
        "the VGG19 layers whose Gram matrices are matched (the paper: conv1_1 ... conv5_1)",
        check=check_layer_names("style layer"),
        cli=Cli("--style-layers", STYLIZE, "conv1_1,conv2_1", parse=parse_csv(str)),
        panel=Control(
            "switches",
            "layers_on",
            "style layers",
            lambda: dict.fromkeys(STYLE_LAYERS, True),
            to_option=panel_layers,
            attr="layer_on",
            css="layer",
        ),
        saved="resolved",  # only the layers in use: none without that image
    )
    layer_weights: Mapping[str, float] | Sequence[float] | None = option(
        None,
        "w_l per style layer (a dict, or a list in the order of style_layers); default 1/L each",
        cli="a weight per layer: set it from Python or the panel",
        panel=Control(
            "layer_sliders",
            "layer_weights",
            "w_l",
            lambda: dict.fromkeys(STYLE_LAYERS, 1 / len(STYLE_LAYERS)),
            to_option=panel_weights,
            attr="layer_weight",
            css="weight",
            step=0.05,
        ),
        saved="resolved",  # the w_l used, 1/L each by default
    )
    content_layers: Sequence[str] = option(
        CONTENT_LAYERS,
        "the VGG19 layers whose responses are matched (the paper: conv4_2)",
        check=check_layer_names("content layer"),
        cli=Cli("--content-layers", STYLIZE, "conv2_2", parse=parse_csv(str)),
        panel=Control(
            "dropdown",
            "content_layer",
            "content layer",
            lambda: CONTENT_LAYERS[0],
            to_option=lambda ps: [ps.content_layer],
            options=CONV_LAYERS,
        ),
        saved="resolved",  # only the layers in use: none without that image
    )
    pooling: str = option(
        "avg",
        "VGG19's pooling: 'avg' (the paper's) or 'max'",
        check=check_choice("pooling", POOLINGS),
        cli=Cli("--pooling", RUN, "max", choices=POOLINGS),
        panel=Control("toggle", "pooling", "pooling", options=POOLINGS),
    )
    init: str | torch.Tensor = option(
        "noise",
        "the starting image: 'noise' (faint noise, 0.5 + 0.03 N(0, 1), see helpers.noise_image), "
        "'content', 'style', or an image of yours (a file, URL, catalogue name or tensor)",
        check=check_init,
        cli=Cli("--init", STYLIZE, "content", metavar="noise|content|style|IMAGE"),
        # From the photo, a 30-step preview already shows it restyled; from faint noise (the paper
        # starts from noise) the photo only emerges after a couple of hundred steps.
        panel=Control("toggle", "init", "init", lambda: "content", options=INITS),
    )
    optimizer: str = option(
        "lbfgs",
        "'lbfgs' (the paper's) or 'adam'",
        check=check_choice("optimizer", OPTIMIZERS),
        cli=Cli("--optimizer", RUN, "adam", choices=OPTIMIZERS),
        panel=Control("toggle", "optimizer", "optimiser", options=OPTIMIZERS),
    )
    preserve_color: str | None = option(
        None,
        "keep the content's colours (Gatys et al. 2016b): 'luminance' transfers on the luminance "
        "only, 'histogram' first gives the style the content's colour statistics; see helpers.color",
        check=check_mode,
        cli=Cli("--preserve-color", BEYOND, "luminance", choices=PRESERVE_COLOR[1:]),
        panel=Control(
            "toggle",
            "preserve_color",
            "keep colour",
            lambda: "none",
            to_option=lambda ps: None if ps.preserve_color == "none" else ps.preserve_color,
            options=("none", *PRESERVE_COLOR[1:]),
            tooltips=("the painting's colours", "style on brightness only", "painting recoloured first"),
        ),
    )
    size: int | None = option(
        None,
        "longer side of the output in pixels (default: 512 on a GPU, 256 on a CPU)",
        check=optional_check(check_size),
        cli=Cli("--size", RUN, "64", parse=int),
        panel=Control("int_slider", "size", "size (px)", full_size, lo=64, hi=1024, step=32, previews=False),
        saved="resolved",
    )
    steps: int | Sequence[int] = option(
        300,
        "loss-and-gradient evaluations (so L-BFGS and Adam runs compare); with scales, per scale "
        "(one count, or one per scale)",
        cli=Cli("--steps", RUN, "3", parse=int),
        panel=Control("int_slider", "steps", "steps", full_steps, lo=1, hi=1000, previews=False),
    )
    seed: int = option(
        0,
        "seeds the noise, so a run repeats exactly (bit-identical on a CPU)",
        check=check_whole("seed", 0),
        cli=Cli("--seed", RUN, "3", parse=int),
        panel=Control("int_text", "seed", "seed", hi=2**31 - 1),
    )
    style_weights: Sequence[float] | None = option(
        None,
        "blend weights of several style images (default: equal); with masks, per-region multipliers",
        check=optional_check(check_style_weights),
        cli=Cli("--style-weights", BEYOND, "0.7,0.3", parse=parse_csv(float)),
        panel="the panel takes one style image",
        saved="resolved",
    )
    style_scale: float = option(
        1.0,
        "the style image's size relative to the output's (larger: bigger brush strokes)",
        check=lambda v: check_weight("style_scale", v, positive=True),
        cli=Cli("--style-scale", BEYOND, "0.75", parse=float),
        panel=NOT_IN_PANEL,
    )
    tv_weight: float = option(
        0.0,
        "total-variation smoothing weight; 0 (off) as in the paper",
        check=lambda v: check_weight("tv_weight", v),
        cli=Cli("--tv-weight", BEYOND, "1e-3", parse=float),
        panel=NOT_IN_PANEL,
    )
    lr: float | None = option(
        None,
        "the optimiser's step size (default: 1 for L-BFGS, 0.02 for Adam)",
        check=optional_check(lambda v: check_weight("lr", v, positive=True)),
        cli=Cli("--lr", RUN, "0.5", parse=float),
        panel=NOT_IN_PANEL,
        saved="resolved",
    )
    weights: str | None = option(
        "caffe",
        "VGG19's weights: 'caffe' (the paper's, offline), 'torchvision', or None (random and fast; "
        "'none' on the command line)",
        check=check_choice("weights", WEIGHT_SETS),
        cli=Cli("--weights", RUN, "none", choices=(*WEIGHT_SETS[:-1], "none"), to_option=none_for("none")),
        panel="given when the panel is made: StylePanel(weights=...)",
    )
    precision: str = option(
        "auto",
        "the network's arithmetic: 'auto' (bf16 where the hardware has it natively), 'fp32' or "
        "'bf16'; the losses stay float32",
        check=check_choice("precision", PRECISIONS),
        cli=Cli("--precision", RUN, "fp32", choices=PRECISIONS),
        panel=NOT_IN_PANEL,
        saved="resolved",
    )
    compile: bool | None = option(
        None,
        "torch.compile the evaluations: None (only where the time saved exceeds the warm-up), True or False",
        check=optional_check(check_bool("compile")),
        cli=Cli("--compile", RUN, "on", choices=("auto", "on", "off"), to_option=on_off_auto),
        panel="interactive runs never wait for a compilation: the panel runs eager",
        saved="resolved",
    )
    device: str | torch.device | None = option(
        None,
        "'cpu', 'cuda', 'cuda:N' or 'mps' (default: the fastest available)",
        check=optional_check(check_device),
        cli=Cli("--device", RUN, "cpu"),
        panel="given when the panel is made: StylePanel(device=...)",
        saved="resolved",
    )
    shape: tuple[int, int] | None = option(
        None,
        "the exact (height, width) of the output, e.g. for a texture larger than its source",
        check=optional_check(check_shape),
        cli=Cli("--shape", TEXTURE, "64x96", parse=parse_height_x_width, metavar="HEIGHTxWIDTH"),
        panel=NOT_IN_PANEL,
        saved="resolved",
    )
    masks: Sequence[Any] | None = option(
        None,
        "one region of the output per style image (tensor or image file, 1 = inside), giving each "
        "region its own style (Gatys et al. 2017); see helpers.spatial",
        check=optional_check(list),
        cli=Cli("--mask", BEYOND, "mask.png", action="append", metavar="MASK"),
        panel=NOT_IN_PANEL,
        saved=check_count,
    )
    style_masks: Sequence[Any] | None = option(
        None,
        "optionally, for each style image, the part of it to take the style from (needs masks)",
        check=optional_check(list),
        cli="images per style image: set them from Python",
        panel=NOT_IN_PANEL,
        saved=check_count,
    )
    scales: Sequence[int] | None = option(
        None,
        "coarse to fine, e.g. 256,512,1024: optimise at each longer side in turn, each from the "
        "previous result upsampled; steps then count per scale and size is ignored; see "
        "helpers.extensions.multiscale",
        cli=Cli("--scales", BEYOND, "48,64", parse=parse_csv(parse_int_of_float)),
        panel=NOT_IN_PANEL,
        saved="resolved",
    )
    normalize: bool = option(
        False,
        "use the normalised VGG19 (each filter's mean activation one, as the paper did; "
        "see helpers.normalize): it changes the balance between layers and the scale of ratio",
        check=bool,
        cli=Cli("--normalize", BEYOND + TEXTURE, "", action="store_true"),
        panel=NOT_IN_PANEL,
    )
    save_every: int = option(
        0,
        "every N steps, save the image as PREFIX_step0050.png (PREFIX: save_prefix); 0: off",
        check=check_whole("save_every", 0),
        cli=Cli("--save-every", STYLIZE, "2", parse=int, metavar="N"),
        panel="the panel shows the image as it forms",
    )
    save_prefix: str = option(
        "frames/frame",
        "where save_every writes: PREFIX_step0050.png (folders are made as needed)",
        check=str,
        cli="the command line names the frames after OUTPUT",
        panel="the panel does not save frames",
    )
    callback: Callable | None = option(
        None,
        "callback(step, image, losses) after every evaluation; raise StopOptimization in it to stop",
        check=optional_check(check_callable),
        cli="a Python function: the command line prints its own progress",
        panel="the panel passes its own (it draws the image as it forms)",
        saved="a function, not data",
    )
    progress: bool = option(
        True,
        "show a progress bar (tqdm; a widget in notebooks)",
        check=bool,
        cli="the command line prints its own progress lines",
        panel="the panel has its own progress bar",
        saved="how a run is shown, not what it computes",
    )

    def __post_init__(self) -> None:
        for opt in options():
            if opt.check is not None:
                object.__setattr__(self, opt.name, opt.check(getattr(self, opt.name)))
        check_together(self, lambda name, value: object.__setattr__(self, name, value))

    @classmethod
    def of(cls, **values: Any) -> Settings:
        """Settings from keyword arguments; a misspelt name is a one-line error naming the option."""
        known = {opt.name for opt in options()}
        for name in values:
            if name not in known:
                near = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f"did you mean {near[0]}?" if near else f"options are {', '.join(sorted(known))}"
                raise SettingsError(f"unknown option {name!r}: {hint}")
        return cls(**values)

    @property
    def total_steps(self) -> int:
        """Steps over all scales."""
        return sum(self.steps) if self.scales is not None else self.steps

    def saved(self) -> dict[str, Any]:
        """The options as JSON-ready values (those that are saved as given)."""
        out = {}
        for opt in options():
            if callable(opt.saved):
                out[opt.name] = jsonable(opt.saved(getattr(self, opt.name)))
            elif opt.saved == "plain":
                out[opt.name] = jsonable(getattr(self, opt.name))
        return out


def options() -> list[Option]:
    """Every option of :class:`Settings`, in order, with its name and default."""
    return _OPTIONS


_OPTIONS: list[Option] = [
    dataclasses.replace(f.metadata["option"], name=f.name, default=f.default)
    for f in dataclasses.fields(Settings)
]


def controls() -> list[tuple[Option, Control]]:
    """``(option, control)`` of the options the panel shows, in order."""
    return [(opt, opt.panel) for opt in options() if isinstance(opt.panel, Control)]


def panel_default(opt: Option) -> Any:
    """The panel's starting value of ``opt``: its control's default, else the option's."""
    assert isinstance(opt.panel, Control)
    return opt.panel.default() if opt.panel.default is not None else opt.default
