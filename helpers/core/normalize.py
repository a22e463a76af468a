r"""The normalised network of Gatys et al.: every filter's mean activation is one.

"We normalized the network by scaling the weights such that the mean activation of each
convolutional filter over images and positions is equal to one" (Gatys et al. 2016, Sec. 2).

Let :math:`s^l_k` be the mean response of filter :math:`k` of layer :math:`l` over a set of
images and positions. Dividing that filter's weights and bias by :math:`s^l_k`, and multiplying
the next layer's input weights for channel :math:`k` by :math:`s^l_k`,

.. math:: W'^l_{kc} = W^l_{kc}\,\frac{s^{l-1}_c}{s^l_k}, \qquad b'^l_k = \frac{b^l_k}{s^l_k},

gives a network whose every response is the original's divided by its filter's scale,
:math:`F'^l_k = F^l_k / s^l_k`: ReLU and pooling are positively homogeneous
(:math:`\mathrm{relu}(x/s) = \mathrm{relu}(x)/s` for :math:`s > 0`). The network computes the same
function; only the size of each layer's contribution to a loss changes (a Gram matrix by
:math:`1/(s_i s_j)`, so a layer's :math:`E_l` roughly by :math:`1/s^4`), and with it the balance
between layers and the meaning of :math:`\alpha/\beta`.

The scales of the Caffe weights are computed once from the course's seven catalogue images (the
photo and the paintings), each at 256 and 512 px and mirrored, the mean over images of each
filter's mean over positions; they are committed in ``helpers/data/vgg19_caffe_scales.npz``
(``python -m helpers.core.normalize`` recomputes them). Other weight sets are computed on first use and
cached (torchvision: in the user cache; random weights: in memory). A filter that never fires on
these images (mean 0) keeps scale 1.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch

from ..imaging.catalog import cache_dir, example, names
from ..imaging.files import atomic_path
from ..imaging.images import load_image
from .layers import CONV_LAYERS
from .network import VGG19, build_vgg19

DATA = Path(__file__).resolve().parent.parent / "data"
CALIBRATION_SIZES: tuple[int, ...] = (256, 512)
#: Random weights are calibrated at a small size: they exist for tests and demonstrations.
RANDOM_CALIBRATION_SIZES: tuple[int, ...] = (96,)

Scales = dict[str, torch.Tensor]


def calibration_images(sizes: Sequence[int] = CALIBRATION_SIZES) -> list[torch.Tensor]:
    """The images the scales are computed from: every catalogue image at each size, and mirrored."""
    images = []
    for name in names():
        for size in sizes:
            image = load_image(example(name), size)
            images += [image, image.flip(-1)]
    return images


@torch.no_grad()
def filter_means(net: VGG19, images: Iterable[torch.Tensor]) -> Scales:
    r"""Each conv filter's mean response :math:`s^l_k`: the mean over images of its mean over positions."""
    sums: dict[str, torch.Tensor] = {}
    count = 0
    for image in images:
        feats = net(image.to(net.device), CONV_LAYERS)
        for name, f in feats.items():
            mean = f.float().mean(dim=(0, 2, 3)).double().cpu()
            sums[name] = sums.get(name, 0) + mean
        count += 1
    if not count:
        raise ValueError("filter_means needs at least one image")
    return {name: (sums[name] / count).float() for name in CONV_LAYERS}


def scales_from_means(means: Scales) -> Scales:
    """The scale of each filter: its mean response, or 1 for a filter that never fired."""
    return {name: torch.where(m > 0, m, torch.ones_like(m)) for name, m in means.items()}


def normalized_convs(
    convs: Sequence[tuple[torch.Tensor, torch.Tensor]], scales: Scales
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    r"""Normalised convolutions: :math:`W'_{kc} = W_{kc} s^{l-1}_c / s^l_k`, :math:`b'_k = b_k / s^l_k`."""
    out, previous = [], torch.ones(3)
    for name, (weight, bias) in zip(CONV_LAYERS, convs):
        s = scales[name].to(weight.dtype)
        w = weight * previous.to(weight.dtype).view(1, -1, 1, 1) / s.view(-1, 1, 1, 1)
        out.append((w, bias / s))
        previous = s
    return out


def compute_scales(weights: str | None, pooling: str, sizes: Sequence[int] | None = None) -> Scales:
    """Compute the scales of a weight set from the calibration images (a few seconds to a minute).

    The plain network is built here, on the CPU, not taken from :func:`helpers.vgg19`'s cache:
    that factory builds the normalised network from these scales.
    """
    if sizes is None:
        sizes = CALIBRATION_SIZES if weights is not None else RANDOM_CALIBRATION_SIZES
    net = build_vgg19(weights, pooling)
    return scales_from_means(filter_means(net, calibration_images(sizes)))


def scales_file(weights: str | None) -> Path:
    """Where the scales of ``weights`` are kept: committed for Caffe, the user cache otherwise."""
    if weights == "caffe":
        return DATA / "vgg19_caffe_scales.npz"
    return cache_dir() / f"vgg19_{weights}_scales.npz"


def save_scales(path: Path, by_pooling: dict[str, Scales], about: str) -> Path:
    arrays = {
        f"{pool}/{name}": s.numpy() for pool, scales in by_pooling.items() for name, s in scales.items()
    }
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, about=np.array(about), **arrays)
    return path


def _load(path: Path, pooling: str) -> Scales | None:
    try:
        with np.load(path) as data:
            return {name: torch.from_numpy(data[f"{pooling}/{name}"].copy()) for name in CONV_LAYERS}
    except (OSError, KeyError, ValueError):
        return None


@functools.cache
def filter_scales(weights: str | None, pooling: str) -> Scales:
    """The per-filter scales :math:`s^l_k` of a weight set and pooling: from file, else computed.

    Random weights are computed each session (in memory); torchvision's once, then cached.
    """
    if weights is None:
        return compute_scales(None, pooling)
    path = scales_file(weights)
    scales = _load(path, pooling) if path.is_file() else None
    if scales is None:
        scales = compute_scales(weights, pooling)
        if weights != "caffe":  # the Caffe file is committed; recompute it with main()
            existing = {p: s for p in ("avg", "max") if p != pooling and (s := _load(path, p)) is not None}
            save_scales(path, {**existing, pooling: scales}, about=ABOUT)
    return scales


def layer_scale_summary(weights: str | None = "caffe", pooling: str = "avg") -> dict[str, float]:
    """The median filter scale of each conv layer (how much normalising shrinks each layer)."""
    return {name: float(s.median()) for name, s in filter_scales(weights, pooling).items()}


ABOUT = (
    "Per-filter mean responses s^l_k of VGG19's conv layers (post-ReLU), mean over images of the mean "
    "over positions; images: the seven catalogue images at "
    + " and ".join(map(str, CALIBRATION_SIZES))
    + " px, each also mirrored. Keys '<pooling>/<layer>'. Written by `python -m helpers.core.normalize`."
)


def main() -> None:
    """Recompute the committed Caffe scales (``python -m helpers.core.normalize``)."""
    by_pooling = {pool: compute_scales("caffe", pool) for pool in ("avg", "max")}
    path = save_scales(scales_file("caffe"), by_pooling, about=ABOUT)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
