r"""Style transfer by optimising the pixels of an image (Gatys et al. 2016, Sec. 2.3).

Starting from white noise, :func:`stylize` changes the image :math:`\vec x` to minimise

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

from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from ..base.config import default_size, resolve_device
from ..base.errors import SettingsError
from ..core import memory
from ..core.objective import Objective, check_weight, resolve_layer_weights
from ..core.optimize import DEFAULT_LR, OPTIMIZERS, Callback, check_steps, optimize
from ..core.result import Result
from ..core.vgg import CONTENT_LAYERS, STYLE_LAYERS, check_layers, check_network, vgg19
from ..extensions.color import ColorControl, check_mode
from ..extensions.multiscale import coarse_to_fine
from ..extensions.spatial import SpatialObjective, load_mask, load_masks
from ..imaging.images import ImageSource, check_size, load_image, resize

INITS = ("noise", "content", "style")
PRECISIONS = ("auto", "fp32", "bf16")
NOISE_MEAN, NOISE_STD = 0.5, 0.03


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
    if isinstance(init, torch.Tensor):
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
    content: ImageSource | None,
    style: ImageSource | Sequence[ImageSource] | None,
    *,
    size: int | None = None,
    steps: int = 300,
    ratio: float = 1e-3,
    content_layers: Sequence[str] = CONTENT_LAYERS,
    style_layers: Sequence[str] = STYLE_LAYERS,
    layer_weights: Mapping[str, float] | Sequence[float] | None = None,
    style_weights: Sequence[float] | None = None,
    style_scale: float = 1.0,
    tv_weight: float = 0.0,
    init: str | torch.Tensor = "noise",
    optimizer: str = "lbfgs",
    lr: float | None = None,
    weights: str | None = "caffe",
    pooling: str = "avg",
    precision: str = "auto",
    device: str | torch.device | None = None,
    seed: int = 0,
    callback: Callback | None = None,
    progress: bool = True,
    shape: tuple[int, int] | None = None,
    preserve_color: str | None = None,
    masks: Sequence[ImageSource] | None = None,
    style_masks: Sequence[ImageSource | None] | None = None,
    scales: Sequence[int] | None = None,
    normalize: bool = False,
) -> Result:
    r"""Render ``content`` in the style of ``style`` by the algorithm of Gatys et al.

    Minimises :math:`\alpha\mathcal{L}_{content} + \beta\mathcal{L}_{style}` (Eq. 7) over the pixels
    with :math:`\alpha/\beta` = ``ratio``, from white noise by default.

    Args:
        content: the photo (path, URL, catalogue name, PIL image or tensor). ``None`` synthesises a
            texture from the style alone (Gatys et al. 2015).
        style: the painting, or a list of paintings blended by ``style_weights``. ``None``
            reconstructs the content alone (the paper's Fig. 1, bottom row).
        size: longer side of the output in pixels; ``None`` means 512 on a GPU and 256 on a CPU.
        steps: loss-and-gradient evaluations (so L-BFGS and Adam runs are comparable).
        ratio: :math:`\alpha/\beta`; the paper uses 1e-3 and 1e-4.
        content_layers, style_layers: VGG19 layer names (defaults: the paper's).
        layer_weights: :math:`w_l` per style layer (dict or list); default :math:`1/L`.
        style_weights: blend weights of several styles (default: equal).
        style_scale: the style image's size relative to ``size`` (larger: bigger brush strokes).
        tv_weight: total-variation weight; 0 (off) as in the paper.
        init: ``"noise"``, ``"content"``, ``"style"`` or an image tensor.
        optimizer: ``"lbfgs"`` (the paper's) or ``"adam"``; ``lr`` overrides its step size.
        weights, pooling: see :func:`helpers.vgg19`.
        precision: ``"auto"``, ``"fp32"`` or ``"bf16"`` for the network; losses stay float32.
        device: ``None`` picks CUDA, then MPS, then the CPU.
        seed: seeds the noise, so a run can be repeated exactly (bit-identical on a CPU).
        callback: ``callback(step, image, losses)`` after every evaluation; raise
            :class:`~helpers.errors.StopOptimization` in it to stop early.
        progress: show a progress bar (tqdm; a widget in notebooks).
        shape: exact ``(height, width)`` of the output, for textures larger than the source.
        preserve_color: keep the content's colours (Gatys et al. 2016b): ``"luminance"`` transfers
            on the luminance only and restores the content's colour; ``"histogram"`` first gives
            the style image the content's colour mean and covariance. See :mod:`helpers.color`.
        masks: one region per style image (tensor or image file, 1 = inside), giving each
            region of the output its own style; where no mask is set the output stays unstyled
            (Gatys et al. 2017). See :mod:`helpers.spatial`. With masks, ``style_weights`` are
            per-region multipliers (default 1) rather than blend weights.
        style_masks: optionally, for each style image, the part of it to take the style from.
        scales: coarse to fine, e.g. ``[256, 512, 1024]``: optimise at each longer side in turn,
            each starting from the previous result upsampled; ``steps`` is then per scale (an
            int, or one count per scale) and ``size`` is ignored. See :mod:`helpers.multiscale`.
        normalize: use the normalised network (each filter's mean activation one, as the paper
            did; see :mod:`helpers.normalize`). It changes the balance between layers and the
            scale of ``ratio``.

    Returns:
        a :class:`Result`. An interrupted (Ctrl-C, the kernel's stop button), stopped or diverged
        run still returns the best image so far, with ``result.stopped`` saying why.
    """
    if scales is not None:  # coarse to fine: this function once per scale (helpers.multiscale)
        return coarse_to_fine(stylize, dict(locals()))
    steps = check_steps(steps)
    dev = resolve_device(device)
    ratio = check_weight("ratio (alpha/beta)", ratio, positive=True)
    tv_weight = check_weight("tv_weight", tv_weight)
    style_scale = check_weight("style_scale", style_scale, positive=True)
    if optimizer not in OPTIMIZERS:
        raise SettingsError(f"unknown optimizer {optimizer!r}: use 'lbfgs' (the paper's) or 'adam'")
    if not isinstance(init, torch.Tensor) and init not in INITS:
        raise SettingsError(f"unknown init {init!r}: use 'noise', 'content', 'style' or an image tensor")
    lr = DEFAULT_LR[optimizer] if lr is None else check_weight("lr", lr, positive=True)
    content_layers = check_layers(content_layers, what="content layer")
    style_layers = check_layers(style_layers, what="style layer")
    weights_l = resolve_layer_weights(style_layers, layer_weights)
    size = default_size(dev) if size is None else check_size(size)
    if shape is not None:
        shape = (check_size(shape[0], "shape[0] (height)"), check_size(shape[1], "shape[1] (width)"))
    bf16 = use_bf16(precision, dev)
    check_network(weights, pooling)
    check_mode(preserve_color)
    if style_masks is not None and masks is None:
        raise SettingsError("style_masks need masks (the regions of the output): give masks too")

    # Images: the content fixes the output size; a texture takes the style's aspect ratio.
    style_sources = [] if style is None else list(style) if _is_sequence(style) else [style]
    if style_weights is not None:
        style_weights = [check_weight("style weight", w) for w in style_weights]
        if len(style_weights) != len(style_sources):
            raise SettingsError(f"{len(style_weights)} style_weights for {len(style_sources)} style image(s)")
        if not sum(style_weights):
            raise SettingsError("style_weights are all zero: give at least one a positive weight")
    if len(style_sources) > 1 and masks is None:  # blend weights: only their proportions count
        raw = style_weights or [1.0] * len(style_sources)
        style_weights = [w / sum(raw) for w in raw]
    style_size = check_size(
        max(1, round(size * style_scale)), f"size x style_scale ({size} x {style_scale:g})"
    )
    # Refuse a run that cannot fit before anything large is allocated (shapes from the headers).
    memory.check_stylize(
        content,
        style_sources,
        size=size,
        style_size=style_size,
        shape=shape,
        content_layers=content_layers,
        style_layers=style_layers,
        optimizer=optimizer,
        steps=steps,
        bf16=bf16,
        pooling=pooling,
        device=dev,
    )
    content_img = load_image(content, size) if content is not None else None
    style_imgs = [load_image(s, style_size) for s in style_sources]
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
    colour = ColorControl(preserve_color, content_img)
    style_imgs = [colour.style(s) for s in style_imgs]
    content_img = None if content_img is None else colour.image(content_img)
    spatial = {}
    if masks is not None:
        spatial["masks"] = load_masks(masks, shape, len(style_imgs))
        spatial["style_masks"] = [
            None if m is None else load_mask(m, tuple(s.shape[-2:]))
            for m, s in zip(style_masks or [None] * len(style_imgs), style_imgs)
        ]

    net = vgg19(weights, pooling, dev, normalize=normalize)
    objective = (SpatialObjective if spatial else Objective)(
        net,
        None if content_img is None else content_img.to(dev),
        [s.to(dev) for s in style_imgs],
        output_shape=shape,
        content_layers=content_layers,
        style_layers=style_layers,
        layer_weights=weights_l,
        style_weights=style_weights,
        alpha=ratio if style_imgs else 1.0,
        beta=1.0,
        tv_weight=tv_weight,
        bf16=bf16,
        **spatial,
    )
    x0 = initial_image(
        init, content=content_img, style=style_imgs[0] if style_imgs else None, shape=shape, seed=seed
    )
    x0 = colour.image(x0)
    settings = {
        "content": _name(content),
        "style": [_name(s) for s in style_sources],
        "size": size,
        "shape": list(shape),
        "steps": steps,
        "ratio": ratio,
        "alpha": objective.alpha,
        "beta": objective.beta,
        "content_layers": content_layers if content_img is not None else [],
        "style_layers": style_layers if style_imgs else [],
        "layer_weights": weights_l if style_imgs else {},
        "style_weights": objective.style_weights,
        "style_scale": style_scale,
        "tv_weight": tv_weight,
        "init": init if isinstance(init, str) else "tensor",
        "optimizer": optimizer,
        "lr": lr,
        "weights": weights,
        "pooling": pooling,
        "precision": "bf16" if bf16 else "fp32",
        "device": str(dev),
        "seed": seed,
    }
    settings.update(preserve_color=preserve_color, masks=len(spatial.get("masks", [])), normalize=normalize)
    result = optimize(
        objective,
        x0.to(dev),
        steps=steps,
        optimizer=optimizer,
        lr=lr,
        callback=colour.wrap(callback),
        progress=progress,
        settings=settings,
    )
    result.image = colour.finish(result.image)
    return result


def _is_sequence(value: object) -> bool:
    return isinstance(value, (list, tuple))


def _name(source: object) -> str | None:
    if source is None:
        return None
    if isinstance(source, (str, Path)):
        return str(source)
    return type(source).__name__
