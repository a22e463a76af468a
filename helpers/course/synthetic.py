"""Images the course draws itself, to show one effect cleanly (notebook 11)."""

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
