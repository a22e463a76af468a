r"""Style transfer by optimising the pixels of an image (Gatys et al. 2016, Sec. 2.3).

Starting from faint noise (the paper starts from white noise of unspecified amplitude),
:func:`stylize` changes the image :math:`\vec x` to minimise

.. math:: \mathcal{L}_{total}(\vec p, \vec a, \vec x) = \alpha\,\mathcal{L}_{content}(\vec p, \vec x)
          + \beta\,\mathcal{L}_{style}(\vec a, \vec x)

(Eq. 7), with the content loss at ``conv4_2`` and the style loss on ``conv1_1 ... conv5_1``.
Only the ratio :math:`\alpha/\beta` changes the minimiser, so ``stylize`` takes ``ratio`` and sets
:math:`\beta = 1, \alpha = \text{ratio}`.

The targets (the content image's responses :math:`P^l` and the style image's Gram matrices
:math:`A^l`) are computed once, without gradients; each step then costs one forward and one
backward pass through VGG19, only as deep as the deepest layer in use.
"""

from __future__ import annotations

import dataclasses
import inspect
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import torch

from ..base.config import default_size, resolve_device
from ..base.errors import ImageError, SettingsError
from ..core import memory
from ..core.compiled import compile_objective
from ..core.layers import layer_index, min_side
from ..core.objective import Objective, resolve_layer_weights
from ..core.optimize import DEFAULT_LR, Callback, optimize
from ..core.result import Result
from ..core.vgg import vgg19
from ..extensions.color import ColorControl
from ..extensions.multiscale import coarse_to_fine
from ..extensions.spatial import SpatialObjective, load_mask, load_masks
from ..extensions.style_losses import style_statistic
from ..imaging.images import ImageSource, check_size, load_image, resize, save_image
from .settings import INITS, PRECISIONS, Settings, options

__all__ = ["INITS", "PRECISIONS", "Settings", "initial_image", "noise_image", "run", "stylize", "use_bf16"]

NOISE_MEAN, NOISE_STD = 0.5, 0.03
#: bf16 sees the network's input in steps of up to one grey level (8 bits of mantissa on Caffe's
#: 0-255 scale), so from a flat start a small step changes nothing, L-BFGS's line search finds no
#: descent and the run stalls, then diverges (measured: a uniform red start, 48 and 128 px). A
#: seeded dither of up to one grey level lets small steps flip some roundings, as noise does.
#: Photos and noise have next to no flat pixels and start as they are (from the photo, the
#: content loss starts at 0); a start with at least FLAT_SHARE of them is dithered.
BF16_DITHER, FLAT_SHARE, FLAT_TOLERANCE = 1 / 255, 0.25, 0.25 / 255
#: Turns a run's objective into one with more terms: ``(image) -> (total, terms)`` either way.
Extend = Callable[
    [Objective, Callable[[torch.Tensor], torch.Tensor]], Callable[[torch.Tensor], tuple[torch.Tensor, dict]]
]


def use_bf16(precision: str, device: torch.device) -> bool:
    """Whether ``precision`` means bfloat16 autocast for the network on ``device``.

    ``"auto"`` picks bf16 where the hardware runs it natively (CUDA with bf16, x86 CPUs with
    AVX-512 BF16 or AMX), and float32 elsewhere; losses and Gram matrices are always float32.
    """
    if precision not in PRECISIONS:
        raise SettingsError(f"unknown precision {precision!r}: use 'auto', 'fp32' or 'bf16'")
    if precision != "auto":
        return precision == "bf16"
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return _cpu_has_native_bf16()
    return False


def _cpu_has_native_bf16() -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def noise_image(shape: tuple[int, int], *, seed: int = 0) -> torch.Tensor:
    """The course's starting image: faint Gaussian noise around mid-grey, ``0.5 + 0.03 N(0, 1)``.

    The paper starts from white noise without giving its amplitude; full-range noise leaves
    speckles that L-BFGS barely removes in a few hundred steps (VGG19 hardly sees pixel noise),
    so the course starts from this faint noise everywhere (seeded, ``[1, 3, H, W]``).
    """
    generator = torch.Generator().manual_seed(int(seed))
    return NOISE_MEAN + NOISE_STD * torch.randn(1, 3, *shape, generator=generator)


def flat_share(image: torch.Tensor) -> float:
    """The share of pixels within a quarter of a grey level, in every channel, of their right,
    lower and lower-right neighbours (resampling leaves a flat image flat only to about 1e-7):
    1 for a uniform image; at most 0.03 for the catalogue's photo and paintings at any size."""
    x = image[..., :-1, :-1]
    flat = torch.ones_like(x, dtype=torch.bool)
    for neighbour in (image[..., :-1, 1:], image[..., 1:, :-1], image[..., 1:, 1:]):
        flat &= (x - neighbour).abs() <= FLAT_TOLERANCE
    return float(flat.all(dim=-3).float().mean()) if x.numel() else 1.0


def dithered(image: torch.Tensor, *, seed: int) -> torch.Tensor:
    """``image`` plus uniform noise of at most :data:`BF16_DITHER`, seeded, within [0, 1]: a bf16
    run's start when :func:`flat_share` says that it is largely flat."""
    generator = torch.Generator().manual_seed(int(seed))
    jitter = 2 * torch.rand(image.shape, generator=generator) - 1
    return (image + BF16_DITHER * jitter.to(image.device)).clamp(0, 1)


def initial_image(
    init: str | torch.Tensor,
    *,
    content: torch.Tensor | None,
    style: torch.Tensor | None,
    shape: tuple[int, int],
    seed: int,
) -> torch.Tensor:
    """The starting image: faint noise (:func:`noise_image`, seeded), the content, the style, or
    an image of yours."""
    if isinstance(init, torch.Tensor) or init not in INITS:  # an image of yours: tensor, file, URL, name
        return resize(load_image(init), shape)
    if init == "noise":
        return noise_image(shape, seed=seed)
    if init == "content":
        if content is None:
            raise SettingsError("init='content' needs a content image: use init='noise'")
        return content.clone()
    if init == "style":
        if style is None:
            raise SettingsError("init='style' needs a style image: use init='noise'")
        return resize(style, shape)
    raise SettingsError(f"unknown init {init!r}: use 'noise', 'content', 'style' or an image tensor")


def stylize(
    content: ImageSource | None, style: ImageSource | Sequence[ImageSource] | None, **options
) -> Result:
    r"""Render ``content`` in the style of ``style`` by the algorithm of Gatys et al.

        Minimises :math:`\alpha\mathcal{L}_{content} + \beta\mathcal{L}_{style}` (Eq. 7) over the pixels
        with :math:`\alpha/\beta` = ``ratio``, from faint noise by default (:func:`noise_image`).

        Args:
            content: the photo (path, URL, catalogue name, PIL image or tensor). ``None`` synthesises a
                texture from the style alone (Gatys et al. 2015).
            style: the painting, or a list of paintings blended by ``style_weights``. ``None``
                reconstructs the content alone (the paper's Fig. 1, bottom row).

        Options (keywords; each declared once, with its check, in
        :class:`~helpers.synthesis.settings.Settings`):
    {options}

        Returns:
            a :class:`Result`. An interrupted (Ctrl-C, the kernel's stop button), stopped or diverged
            run still returns the best image so far, with ``result.stopped`` saying why.
    """
    return run(content, style, Settings.of(**options))


_POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD


def _signature(*leading: inspect.Parameter) -> inspect.Signature:
    """A signature with ``leading`` parameters, then every option as a keyword with its default."""
    hints = {f.name: f.type for f in dataclasses.fields(Settings)}
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter(opt.name, keyword, default=opt.default, annotation=hints[opt.name])
        for opt in options()
    ]
    return inspect.Signature([*leading, *params])


def _docs(indent: str = "    ") -> str:
    """The options as a docstring section (``name: help``), one entry per option."""
    return "\n".join(
        textwrap.fill(f"{opt.name}: {opt.help}.", 100, initial_indent=indent, subsequent_indent=indent * 2)
        for opt in options()
    )


stylize.__signature__ = _signature(  # type: ignore[attr-defined]
    inspect.Parameter("content", _POSITIONAL), inspect.Parameter("style", _POSITIONAL)
)
stylize.__doc__ = stylize.__doc__.replace("{options}", _docs(" " * 8))


def run(content: ImageSource | None, style, settings: Settings, *, extend: Extend | None = None) -> Result:
    """:func:`stylize` with its options already checked: once, or once per scale (coarse to fine).

    ``extend(objective, as_seen)`` may return an objective with terms of its own (video's temporal
    loss); ``as_seen`` turns an image into what the optimiser works on (grey in luminance mode).
    """
    if settings.save_every:
        frames = save_frames(settings.save_every, settings.save_prefix, settings.callback)
        settings = replace(settings, callback=frames)
    once = partial(_run_once, content, style, extend=extend)
    return coarse_to_fine(once, settings) if settings.scales is not None else once(settings)


def save_frames(every: int, prefix: str, callback: Callback | None = None) -> Callback:
    """A callback that saves the image every ``every`` steps as ``PREFIX_step0050.png``, then calls
    ``callback``. Step numbers run on across the scales of coarse to fine, so no frame is
    overwritten within a run."""

    def save(step: int, image: torch.Tensor, losses: dict) -> None:
        if step % every == 0:
            save_image(image, f"{prefix}_step{step:04d}.png")
        if callback is not None:
            callback(step, image, losses)

    return save


@dataclass
class _Images:
    """The run's images, loaded at their sizes, with the colour and region controls applied."""

    content: torch.Tensor | None
    styles: list[torch.Tensor]
    style_weights: list[float] | None
    shape: tuple[int, int]
    colour: ColorControl
    spatial: dict


def _style_weights(s: Settings, count: int) -> list[float] | None:
    """The blend weights: given ones must match the style images; with several (and no masks)
    only their proportions count, so they are made to sum to one."""
    weights = s.style_weights
    if weights is not None and len(weights) != count:
        raise SettingsError(f"{len(weights)} style_weights for {count} style image(s)")
    if count > 1 and s.masks is None:
        raw = weights or [1.0] * count
        weights = [w / sum(raw) for w in raw]
    return weights


def _load_images(content, sources: list, s: Settings, size: int, style_size: int) -> _Images:
    """Load the images: the content fixes the output's shape; a texture takes the style's."""
    content_img = load_image(content, size) if content is not None else None
    style_imgs = [load_image(src, style_size) for src in sources]
    shape = s.shape
    if shape is None:
        if content_img is not None:
            shape = tuple(content_img.shape[-2:])
        elif style_imgs:
            shape = tuple(resize(style_imgs[0], size).shape[-2:])
        else:
            raise SettingsError("nothing to optimise: give a content image, a style image, or both")
    shape = (int(shape[0]), int(shape[1]))
    if content_img is not None and tuple(content_img.shape[-2:]) != shape:
        content_img = resize(content_img, shape)
    colour = ColorControl(s.preserve_color, content_img)
    style_imgs = [colour.style(img) for img in style_imgs]
    content_img = None if content_img is None else colour.image(content_img)
    spatial = {}
    if s.masks is not None:
        spatial["masks"] = load_masks(s.masks, shape, len(style_imgs))
        spatial["style_masks"] = [
            None if m is None else load_mask(m, tuple(img.shape[-2:]))
            for m, img in zip(s.style_masks or [None] * len(style_imgs), style_imgs)
        ]
    weights = _style_weights(s, len(style_imgs))
    return _Images(content_img, style_imgs, weights, shape, colour, spatial)


def _run_once(content: ImageSource | None, style, s: Settings, *, extend: Extend | None = None) -> Result:
    """One optimisation at one size: resolve the defaults, refuse what cannot fit, load, optimise."""
    dev = resolve_device(s.device)
    size = default_size(dev) if s.size is None else s.size
    lr = DEFAULT_LR[s.optimizer] if s.lr is None else s.lr
    weights_l = resolve_layer_weights(s.style_layers, s.layer_weights)
    bf16 = use_bf16(s.precision, dev)
    sources = [] if style is None else list(style) if _is_sequence(style) else [style]
    _style_weights(s, len(sources))  # a count mismatch is refused before anything is loaded
    style_size = check_size(
        max(1, round(size * s.style_scale)), f"size x style_scale ({size} x {s.style_scale:g})"
    )
    # Refuse a run that cannot fit before anything large is allocated (shapes from the headers).
    memory.check_stylize(
        content,
        sources,
        size=size,
        style_size=style_size,
        shape=s.shape,
        content_layers=list(s.content_layers),
        style_layers=list(s.style_layers),
        optimizer=s.optimizer,
        steps=s.steps,
        bf16=bf16,
        pooling=s.pooling,
        device=dev,
    )
    images = _load_images(content, sources, s, size, style_size)
    _check_depth(images, list(s.content_layers) + list(s.style_layers))
    statistic = style_statistic(s.style_loss, seed=s.seed)
    ratio = statistic.default_ratio if s.ratio is None else s.ratio  # each style loss has its scale
    net = vgg19(s.weights, s.pooling, dev, normalize=s.normalize)
    objective = (SpatialObjective if images.spatial else Objective)(
        net,
        None if images.content is None else images.content.to(dev),
        [img.to(dev) for img in images.styles],
        output_shape=images.shape,
        content_layers=list(s.content_layers),
        style_layers=list(s.style_layers),
        layer_weights=weights_l,
        style_weights=images.style_weights,
        alpha=ratio if images.styles else 1.0,
        beta=1.0,
        tv_weight=s.tv_weight,
        bf16=bf16,
        statistic=statistic,
        **images.spatial,
    )
    compiled = compile_objective(objective, mode=s.compile, steps=s.steps)
    first_style = images.styles[0] if images.styles else None
    x0 = initial_image(s.init, content=images.content, style=first_style, shape=images.shape, seed=s.seed)
    if bf16 and flat_share(x0) >= FLAT_SHARE:
        x0 = dithered(x0, seed=s.seed)
    saved = _saved(s, content, sources, images, objective, size=size, ratio=ratio, lr=lr, bf16=bf16, dev=dev)
    result = optimize(
        objective if extend is None else extend(objective, images.colour.image),
        images.colour.image(x0).to(dev),
        steps=s.steps,
        optimizer=s.optimizer,
        lr=lr,
        callback=images.colour.wrap(s.callback),
        progress=s.progress,
        settings=saved,
    )
    result.image = images.colour.finish(result.image)
    result.settings["compile"] = compiled is not None and compiled.used  # what the run did
    return result


def _saved(
    s: Settings, content, sources: list, images: _Images, objective: Objective, *, size, ratio, lr, bf16, dev
) -> dict:
    """The options as given, then what the run used where they left it open (the JSON's settings)."""
    return {
        **s.saved(),
        "content": _name(content),
        "style": [_name(src) for src in sources],
        "size": size,
        "shape": list(images.shape),
        "ratio": ratio,
        "alpha": objective.alpha,
        "beta": objective.beta,
        "content_layers": list(s.content_layers) if images.content is not None else [],
        "style_layers": list(s.style_layers) if images.styles else [],
        "layer_weights": objective.layer_weights if images.styles else {},
        "style_weights": objective.style_weights,
        "lr": lr,
        "precision": "bf16" if bf16 else "fp32",
        "compile": s.compile,  # True or False once the run has chosen
        "device": str(dev),
        "scales": None,  # coarse to fine writes its own
    }


def _check_depth(images: _Images, layers: list[str]) -> None:
    """Every image must leave the deepest layer in use a position (the loader asks only for conv5_1's)."""
    need = min_side(layers)
    for image in [images.content, *images.styles]:
        if image is not None and min(image.shape[-2:]) < need:
            h, w = image.shape[-2:]
            raise ImageError(
                f"an image is {w}x{h} px, but {max(layers, key=layer_index)} needs {need} px on each side "
                f"(one 2x2 pooling more than conv5_1): use a larger size, or layers up to conv5_4"
            )


def _is_sequence(value: object) -> bool:
    return isinstance(value, (list, tuple))


def _name(source: object) -> str | None:
    if source is None:
        return None
    if isinstance(source, (str, Path)):
        return str(source)
    return type(source).__name__
