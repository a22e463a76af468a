r"""The quantity the pixels are optimised for: Eq. 7 of Gatys et al. (2016), targets computed once.

.. math:: \mathcal{L}_{total} = \alpha\,\mathcal{L}_{content} + \beta\,\mathcal{L}_{style}
          \quad\text{with}\quad \mathcal{L}_{style} = \sum_l w_l E_l

The targets (the content image's responses :math:`P^l` and the style image's Gram matrices
:math:`A^l`) are computed once, without gradients, when the objective is built; each call then
costs one pass through VGG19, only as deep as the deepest layer in use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import torch

from ..base.errors import SettingsError
from .layers import CONTENT_LAYERS, STYLE_LAYERS, check_layers, positions
from .losses import GramStatistic, StyleStatistic, content_loss, total_variation
from .network import VGG19


class Objective:
    r"""The loss :math:`\alpha\mathcal{L}_{content} + \beta\mathcal{L}_{style} + \lambda_{TV} TV` of an image.

    The targets are computed once, here, without gradients. Calling the objective on an image
    runs VGG19 once (to the deepest layer needed) and returns the total and its terms.
    """

    def __init__(
        self,
        net: VGG19,
        content: torch.Tensor | None,
        styles: Sequence[torch.Tensor],
        *,
        output_shape: tuple[int, int],
        content_layers: Sequence[str] = CONTENT_LAYERS,
        style_layers: Sequence[str] = STYLE_LAYERS,
        layer_weights: Mapping[str, float] | None = None,
        style_weights: Sequence[float] | None = None,
        alpha: float = 1e-3,
        beta: float = 1.0,
        tv_weight: float = 0.0,
        bf16: bool = False,
        statistic: StyleStatistic | None = None,
    ) -> None:
        self.net = net
        self.statistic = GramStatistic() if statistic is None else statistic
        self.bf16 = bf16
        #: What computes :meth:`layer_losses` (None: the method itself, eager; see compiled.py).
        self.evaluator: Callable[[torch.Tensor], dict[str, torch.Tensor]] | None = None
        self.alpha, self.beta, self.tv_weight = alpha, beta, tv_weight
        self.content_layers = list(content_layers) if content is not None else []
        self.style_layers = list(style_layers) if styles else []
        self.layer_weights = dict(layer_weights or {})
        self.style_weights = list(style_weights) if style_weights is not None else [1.0] * len(styles)
        self.layers = list(dict.fromkeys(self.content_layers + self.style_layers))
        if not self.layers:
            raise SettingsError("nothing to optimise: give a content image, a style image, or both")
        with torch.no_grad():
            self.content_targets: dict[str, torch.Tensor] = {}
            if content is not None:
                feats = self.features(content, self.content_layers)
                self.content_targets = {name: f.float() for name, f in feats.items()}
            # A^l is a sum over the style image's M_l positions; rescale it to the output's M_l so
            # that style and output may differ in size (equal sizes: a factor of exactly 1).
            out_positions = positions(output_shape, self.style_layers)
            self.style_targets: list[dict[str, torch.Tensor]] = []
            for i, style in enumerate(styles):
                feats = self.features(style, self.style_layers)
                self.style_targets.append(self.style_target(i, feats, out_positions))

    def style_target(
        self, index: int, feats: dict[str, torch.Tensor], out_positions: dict[str, int]
    ) -> dict[str, torch.Tensor]:
        """The targets of style image ``index`` (the paper's Gram matrices :math:`A^l`, or the
        statistic's) from its responses ``feats``."""
        return {name: self.statistic.target(f, out_positions[name]) for name, f in feats.items()}

    def style_layer_loss(self, index: int, name: str, features: torch.Tensor) -> torch.Tensor:
        """:math:`E_l` (Eq. 4, or the statistic's) of layer ``name`` against style image ``index``."""
        return self.statistic.loss(features, self.style_targets[index][name])

    def features(self, image: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
        with torch.autocast(self.net.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            return self.net(image, layers)

    def layer_losses(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        r"""One pass through VGG19 and each layer's unweighted loss: ``"content/conv4_2"`` (Eq. 1)
        and ``"style0/conv1_1"`` (:math:`E_l` of Eq. 4 against style image 0).

        This is the part of an evaluation that :mod:`helpers.core.compiled` may compile; the
        weights (:math:`\alpha, \beta, w_l`) are applied outside it, so changing them reuses the graph.
        """
        feats = self.features(image, self.layers)
        targets = self.content_targets
        losses = {f"content/{n}": content_loss(feats[n], targets[n]) for n in self.content_layers}
        for i in range(len(self.style_targets)):
            for name in self.style_layers:
                losses[f"style{i}/{name}"] = self.style_layer_loss(i, name, feats[name])
        return losses

    def __call__(self, image: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        losses = (self.evaluator or self.layer_losses)(image)
        zero = image.new_zeros(())
        l_content = sum((losses[f"content/{n}"] for n in self.content_layers), zero)
        style_terms = [
            sum((self.layer_weights[n] * losses[f"style{i}/{n}"] for n in self.style_layers), zero)
            for i in range(len(self.style_targets))
        ]
        l_style = sum((w * s for w, s in zip(self.style_weights, style_terms)), zero)
        l_tv = total_variation(image) if self.tv_weight else zero
        total = self.alpha * l_content + self.beta * l_style + self.tv_weight * l_tv
        terms = {"content": l_content, "style": l_style, "tv": l_tv}
        if len(style_terms) > 1:
            terms.update({f"style_{i}": s for i, s in enumerate(style_terms)})
        return total, terms


def check_weight(name: str, value: float, *, positive: bool = False) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        need = "a positive" if positive else "a non-negative"
        raise SettingsError(f"{name} must be {need} finite number, got {value}")
    return value


def resolve_layer_weights(
    style_layers: Sequence[str], layer_weights: Mapping[str, float] | Sequence[float] | None
) -> dict[str, float]:
    """The w_l of Eq. 5: by default 1/L on each of the L style layers (the paper's 1/5)."""
    if layer_weights is None:
        return {name: 1.0 / len(style_layers) for name in style_layers} if style_layers else {}
    if isinstance(layer_weights, Mapping):
        check_layers(layer_weights, what="layer_weights layer")
        missing = [n for n in style_layers if n not in layer_weights]
        if missing:
            raise SettingsError(f"layer_weights has no weight for style layer(s) {', '.join(missing)}")
        items = [(n, layer_weights[n]) for n in style_layers]
    else:
        values = list(layer_weights)
        if len(values) != len(style_layers):
            raise SettingsError(
                f"layer_weights has {len(values)} values for {len(style_layers)} style layers"
            )
        items = list(zip(style_layers, values))
    return {name: check_weight(f"layer weight of {name}", w) for name, w in items}
