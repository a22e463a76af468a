"""Images and clips the course makes itself, to show one effect cleanly (notebooks 11 and 12)."""

from __future__ import annotations

import torch

#: The night sky and the stars of :func:`star_field` (RGB in [0, 1]).
SKY = (0.0, 0.0, 0.15)
STAR = (1.0, 0.9, 0.5)


def star_field(size: int = 96, *, stars: int = 18, seed: int = 1) -> torch.Tensor:
    """A square night sky with a few round yellow stars, ``[1, 3, size, size]`` in [0, 1].

    A style whose features are strongly non-Gaussian: most positions are empty sky, where most
    filters are silent, and a few are stars, where some respond strongly. Star radii are 2-4 px at
    96 px and scale with ``size``.
    """
    generator = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    inside = torch.zeros(size, size, dtype=torch.bool)
    for _ in range(stars):
        cy, cx = torch.randint(0, size, (2,), generator=generator).tolist()
        radius = (2 + 2 * torch.rand(1, generator=generator).item()) * size / 96
        inside |= ((yy - cy) ** 2 + (xx - cx) ** 2).float() < radius**2
    sky, star = torch.tensor(SKY).view(3, 1, 1), torch.tensor(STAR).view(3, 1, 1)
    return torch.where(inside, star, sky).unsqueeze(0)


def dark_share(image: torch.Tensor, threshold: float = 0.3) -> float:
    """The share of pixels darker than ``threshold`` in every channel: how much night sky is left."""
    return float((image.amax(dim=1) < threshold).float().mean())


def _camera(t: int, frames: int, pan: float, zoom: float) -> tuple[float, float]:
    """Frame ``t``'s window: its side as a share of the picture's, and its centre's x in [-1, 1]."""
    progress = t / max(frames - 1, 1)
    return 0.8 / zoom**progress, -0.2 + 2 * pan * progress  # starts on the left 80%


def camera_clip(
    image: torch.Tensor, frames: int = 8, *, size: int = 128, pan: float = 0.12, zoom: float = 1.1
):
    """A clip made from one picture: a camera that pans right by ``pan`` of the picture's width and
    zooms in by ``zoom`` in all, over ``frames`` frames (a :class:`~helpers.imaging.video_io.Clip`).

    Each frame's longer side is ``size``. The motion is known (:func:`camera_flow`) and smooth, and
    nothing has to be downloaded.
    """
    import torch.nn.functional as F

    from ..imaging.video_io import DEFAULT_FPS, Clip

    h, w = image.shape[-2:]
    out = (max(1, round(size * h / max(h, w))), max(1, round(size * w / max(h, w))))
    shots = []
    for t in range(frames):
        scale, centre_x = _camera(t, frames, pan, zoom)
        theta = torch.tensor([[[scale, 0.0, centre_x], [0.0, scale, 0.0]]])
        grid = F.affine_grid(theta, [1, 3, *out], align_corners=False)
        shots.append(F.grid_sample(image.float(), grid, mode="bilinear", align_corners=False).clamp(0, 1))
    return Clip(shots, [f"frame_{t + 1:04d}.png" for t in range(frames)], DEFAULT_FPS)


def camera_flow(shape: tuple[int, int], t: int, frames: int, *, pan: float = 0.12, zoom: float = 1.1):
    """The true backward flow of :func:`camera_clip` from frame ``t`` to frame ``t - 1``, ``[2, H, W]``
    in pixels: where each pixel of frame ``t`` was in frame ``t - 1``."""
    h, w = shape
    s_now, c_now = _camera(t, frames, pan, zoom)
    s_before, c_before = _camera(t - 1, frames, pan, zoom)
    ux = (2 * torch.arange(w, dtype=torch.float32) + 1) / w - 1  # pixel centres in [-1, 1]
    uy = (2 * torch.arange(h, dtype=torch.float32) + 1) / h - 1
    dx = ((s_now * ux + c_now - c_before) / s_before - ux) * w / 2
    dy = ((s_now * uy) / s_before - uy) * h / 2
    return torch.stack([dx.expand(h, w), dy[:, None].expand(h, w)])


def camera_flicker(frames: list, *, pan: float = 0.12, zoom: float = 1.1) -> float:
    """The flicker of stylised :func:`camera_clip` frames measured with the camera's true motion:
    the mean of :func:`~helpers.extensions.temporal.temporal_error` over the pixels in view."""
    from ..extensions.temporal import outside, temporal_error

    shape = tuple(frames[0].shape[-2:])
    flows = [camera_flow(shape, t, len(frames), pan=pan, zoom=zoom) for t in range(1, len(frames))]
    errors = temporal_error(frames, flows, [(~outside(f)).float()[None, None] for f in flows])
    return sum(errors) / len(errors)
