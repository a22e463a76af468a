"""Shared by the figure tests: a fake result, made without a network."""

from __future__ import annotations

import torch

from helpers.core.result import Result


def fake(h=36, w=48, seed=0) -> Result:
    image = torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(seed))
    history = [{"step": 1, "content": 2.0, "style": 3.0, "tv": 0.0, "total": 5.0, "seconds": 0.1}]
    return Result(image=image, history=history, settings={"seed": seed}, best_step=1)
