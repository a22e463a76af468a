"""How much memory a run needs, estimated from the layer shapes *before* anything is allocated.

A run that does not fit ends in a swap storm or in the kernel killing the notebook, and the learner
loses everything. :func:`check` compares the estimate with the memory free on the device and
refuses, in one line, with the estimate and a size that would fit.

What a ``stylize`` step keeps alive, for an image of :math:`H \\times W` pixels:

* every VGG19 response up to the deepest layer in use, kept for the backward pass
  (:math:`\\sum_l N_l H_l W_l` numbers; bfloat16 under autocast halves them);
* the float32 copies the losses keep (Gram matrices are computed in float32);
* the gradients flowing back, a few responses' worth at a time;
* the optimiser's state: L-BFGS keeps ``HISTORY_SIZE`` = 100 pairs of image-sized vectors
  (:math:`2 \\times 100 \\times 3HW` floats, more in practice: see ``VECTORS_PER_PAIR``),
  Adam two moments;
* the image, its gradient, the best image so far, the network's weights and the targets.

Set ``NST_MEMORY_CHECK=0`` to skip the check (for example when swap makes a slow run acceptable).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from ..base.config import env_flag
from ..base.errors import SettingsError
from ..imaging.images import ImageSource, image_shape
from .layers import CHANNELS, CONV_LAYERS, LAYERS, feature_shapes
from .optimize import HISTORY_SIZE

FP32, BF16, INT64 = 4, 2, 8
#: Gradient tensors alive at once during the backward pass, in units of the largest response
#: (measured on a CPU: oneDNN reorders the gradient and the input of each convolution).
BACKWARD_BUFFERS = 5
#: Image-sized vectors per L-BFGS history pair: s and y, plus, measured on a CPU, about one more
#: that the allocator cannot hand back from between them (line-search temporaries).
VECTORS_PER_PAIR = 3
#: What PyTorch allocates on its first convolutions besides tensors (oneDNN's scratch buffers,
#: thread pools), measured on a CPU: about 100 MB.
FRAMEWORK = {"cpu": 100_000_000}
#: Image-sized float32 vectors besides the history: x, its gradient, the best image, the start,
#: and L-BFGS's direction, previous gradient and line-search copies.
IMAGE_BUFFERS = {"lbfgs": 8, "adam": 6}
MEMINFO = "/proc/meminfo"
#: A container's memory limit and use: cgroup v2, then v1.
CGROUP_FILES = (
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
)
#: Refuse when the estimate exceeds this share of the free memory (the rest: Python, the OS).
HEADROOM = 0.9


def _bytes(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


@dataclass(frozen=True)
class MemoryEstimate:
    """The estimated peak memory of a run, in bytes, by what holds it."""

    shape: tuple[int, int]
    weights: int
    activations: int
    backward: int
    optimizer: int
    images: int
    targets: int
    framework: int = 0

    @property
    def total(self) -> int:
        return (
            self.weights
            + self.activations
            + self.backward
            + self.optimizer
            + self.images
            + self.targets
            + self.framework
        )

    def describe(self) -> str:
        """``"about 1.2 GB (responses 0.6 GB, L-BFGS history 0.4 GB, ...)"``."""
        parts = {
            "responses kept for backward": self.activations,
            "gradients": self.backward,
            "optimiser state": self.optimizer,
            "weights": self.weights,
        }
        detail = ", ".join(f"{k} {_bytes(v)}" for k, v in parts.items() if v >= 0.05 * self.total)
        return f"about {_bytes(self.total)} ({detail})"


def estimate(
    shape: tuple[int, int],
    *,
    content_layers: Sequence[str] = (),
    style_layers: Sequence[str] = (),
    style_shapes: Sequence[tuple[int, int]] = (),
    optimizer: str = "lbfgs",
    steps: int = 300,
    bf16: bool = False,
    pooling: str = "avg",
    device: torch.device | str = "cpu",
) -> MemoryEstimate:
    """Estimate the peak memory of optimising an image of ``shape`` = (H, W).

    The forward pass runs to the deepest of ``content_layers`` and ``style_layers`` (the content
    layers are empty for a texture); ``style_shapes`` are the (H, W) of the style images, which
    pass through the network once, without gradients, to give the targets.
    """
    last = max([*content_layers, *style_layers, "conv1_1"], key=LAYERS.index)
    shapes = feature_shapes(shape, last)
    act = BF16 if bf16 else FP32
    pixels = 3 * shape[0] * shape[1]

    # Each response is kept once for backward (the in-place ReLU's result is the next layer's
    # saved input); max pooling also keeps int64 indices; bf16 keeps a bf16 copy of the input.
    numel = {name: n * h * w for name, (n, h, w) in shapes.items()}
    kept = sum(numel.values()) * act + pixels * (BF16 if bf16 else 0)
    if pooling == "max":
        kept += sum(v for k, v in numel.items() if k.startswith("pool")) * INT64
    # The losses keep float32 copies: F for the Gram matrix (a copy only under bf16), F - P.
    kept += sum(numel[k] for k in style_layers) * (FP32 if bf16 else 0)
    kept += sum(numel[k] for k in content_layers) * FP32
    largest = max(numel.values())
    backward = BACKWARD_BUFFERS * largest * act

    history = min(int(steps), HISTORY_SIZE) if optimizer == "lbfgs" else 0
    optimizer_state = (VECTORS_PER_PAIR * history if optimizer == "lbfgs" else 2) * pixels * FP32
    images = IMAGE_BUFFERS.get(optimizer, 8) * pixels * FP32

    # All 16 convolutions are held in float32; autocast caches bf16 copies of those it runs.
    inputs = dict(zip(CONV_LAYERS, [3, *(CHANNELS[c] for c in CONV_LAYERS[:-1])]))
    params = {c: (inputs[c] * 9 + 1) * CHANNELS[c] for c in CONV_LAYERS}
    used = sum(n for c, n in params.items() if LAYERS.index(c) <= LAYERS.index(last))
    weights = sum(params.values()) * FP32 + used * (BF16 if bf16 else 0)

    # Targets: Gram matrices (N_l^2) and content responses; computing them without gradients needs
    # two consecutive responses of the largest image at a time, which is freed before the run.
    targets = sum(CHANNELS[k] ** 2 for k in style_layers) * FP32 * max(1, len(style_shapes))
    targets += sum(numel[k] for k in content_layers) * FP32
    passes = [shape] * bool(content_layers) + list(style_shapes)
    target_pass = max(
        (2 * max(n * h * w for n, h, w in feature_shapes(s, last).values()) * act for s in passes), default=0
    )
    run = kept + backward + optimizer_state + images
    return MemoryEstimate(
        shape=tuple(shape),
        weights=weights,
        activations=kept if run >= target_pass else target_pass,
        backward=backward if run >= target_pass else 0,
        optimizer=optimizer_state,
        images=images,
        targets=targets,
        framework=FRAMEWORK.get(torch.device(device).type, 0),
    )


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def available_bytes(device: torch.device | str = "cpu") -> int | None:
    """Memory free for a run on ``device``, in bytes; ``None`` when it cannot be told.

    CUDA: the driver's free memory plus what PyTorch has cached but not used. CPU (and Apple's
    unified memory): ``MemAvailable`` from ``/proc/meminfo``, lowered to a container's cgroup
    limit when one is set (Binder and classroom servers run in such containers), else
    ``os.sysconf``.
    """
    device = torch.device(device)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
    free = None
    try:
        with open(MEMINFO) as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    free = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    if free is None:
        try:
            free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return None
    for limit_file, usage_file in CGROUP_FILES:
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        if limit is not None and usage is not None and limit < 1 << 60:  # "max" or a huge number: none
            free = min(free, max(0, limit - usage))
    return free


def check(
    shape: tuple[int, int],
    *,
    device: torch.device | str = "cpu",
    size: int | None = None,
    style_shapes: Sequence[tuple[int, int]] = (),
    **kwargs,
) -> MemoryEstimate:
    """Refuse, in one line with the estimate and a size that fits, a run too large for ``device``.

    ``size`` is the longer side the caller asked for (named in the suggestion); the other
    arguments are those of :func:`estimate`. Returns the estimate when the run fits.
    """
    need = estimate(shape, style_shapes=style_shapes, device=device, **kwargs)
    if not env_flag("NST_MEMORY_CHECK", default=True):
        return need
    free = available_bytes(device)
    if free is None or need.total <= HEADROOM * free:
        return need

    def fits(scale: float) -> bool:
        small = (max(1, round(shape[0] * scale)), max(1, round(shape[1] * scale)))
        smaller_styles = [(max(1, round(h * scale)), max(1, round(w * scale))) for h, w in style_shapes]
        return estimate(small, style_shapes=smaller_styles, device=device, **kwargs).total <= HEADROOM * free

    longest = max(shape)
    lo, hi = 0, longest  # the largest longer side, in px, that fits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid / longest) else (lo, mid - 1)
    where = "GPU memory" if torch.device(device).type == "cuda" else "memory"
    asked = f"size={size}" if size is not None else f"an output of {shape[1]}x{shape[0]} px"
    if lo < 32:
        advice = "close other programs or notebooks, or use a machine with more memory"
    else:
        fit = lo - lo % 16 if lo >= 64 else lo
        advice = f"use size={fit} or less" if size is not None else f"use an output of at most {fit} px"
        if kwargs.get("optimizer", "lbfgs") == "lbfgs" and need.optimizer > 0.3 * need.total:
            advice += " (or optimizer='adam', which keeps no L-BFGS history)"
    raise SettingsError(
        f"{asked} needs {need.describe()} but only {_bytes(free)} of {where} is free: {advice}"
    )


def check_stylize(
    content: ImageSource | None,
    styles: Sequence[ImageSource],
    *,
    size: int,
    style_size: int,
    shape: tuple[int, int] | None,
    content_layers: Sequence[str],
    style_layers: Sequence[str],
    device: torch.device | str = "cpu",
    **kwargs,
) -> MemoryEstimate | None:
    """:func:`check` for a ``stylize`` call, with the shapes read from the images' headers.

    Runs before any image is decoded at full size. Returns ``None`` when a header cannot be read
    (``load_image`` then explains why).
    """
    # In the order stylize loads them, so that a bad file is reported as load_image would.
    out = shape
    if out is None and content is not None:
        out = image_shape(content, size)
    style_shapes = [image_shape(s, style_size) for s in styles]
    if out is None and content is None and styles:
        out = image_shape(styles[0], size)
    if out is None or None in style_shapes:
        return None
    return check(
        tuple(out),
        device=device,
        size=size if shape is None else None,
        style_shapes=style_shapes,
        content_layers=content_layers if content is not None else (),
        style_layers=style_layers if styles else (),
        **kwargs,
    )
