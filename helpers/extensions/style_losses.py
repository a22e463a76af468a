r"""What is a style? Statistics of the features other than the Gram matrix, each a style loss.

The paper describes a style by the Gram matrices of VGG19's responses (Gatys et al. 2016, Eqs.
3-5; :class:`~helpers.core.losses.GramStatistic`). Read each layer's responses
:math:`F^l \in \mathbb{R}^{N_l \times M_l}` as :math:`M_l` samples (one per position) of an
:math:`N_l`-dimensional feature vector. Then the Gram matrix is one statistic of their
distribution: its uncentred second moments, :math:`G^l / M_l = \frac{1}{M_l}\sum_k f_k f_k^\top`.
Li et al. (2017) showed that matching it is minimising a maximum mean discrepancy with the
kernel :math:`k(x, y) = (x^\top y)^2`. Other statistics give other styles:

* ``"mean_std"``: each channel's mean and standard deviation, no correlations between
  channels (the statistics behind AdaIN; Li et al.'s batch-normalisation statistics loss);
* ``"histogram"``: each channel's whole distribution of values, still channel by channel
  (the histogram loss of Risser et al. 2017, matched exactly by sorting);
* ``"sliced_wasserstein"``: the whole joint distribution of the feature vectors, compared
  along random directions (Heitz et al. 2021).

All of them, like the Gram matrix, forget *where* each feature vector was: permuting the
positions changes none of them. Each is a :class:`~helpers.core.losses.StyleStatistic`, used by
``helpers.stylize(..., style_loss=NAME)``; :data:`STYLE_LOSSES` lists them.
"""

from __future__ import annotations

import torch

from ..core.losses import GramStatistic, StyleStatistic, _flat

#: Added to each channel's variance before the square root, so that a channel that is zero
#: everywhere (a dead ReLU) has a finite gradient; as AdaIN's epsilon, negligible against
#: VGG19's responses (tens to thousands on 0-255 input).
STD_EPSILON = 1e-5

#: The default ratio alpha/beta of the three losses below. Their values are about 3,000 times
#: smaller than the Gram loss's (a mean of squared responses against Eq. 4's squared Gram
#: entries over 4 N^2 M^2), so the paper's 1e-3 would leave the photo almost alone. At this
#: ratio the style term pulls on the faint-noise start as hard as the Gram loss's at 1e-3
#: (helpers.analysis.balanced_ratio; Tübingen x Starry Night at 128 and 256 px: 3.3e-7 to 3.6e-7
#: for all three). Notebook 11 recomputes it.
BALANCED_RATIO = 3e-7


def channel_mean_std(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Each channel's mean :math:`\mu_i = \frac{1}{M}\sum_k F_{ik}` and standard deviation
    :math:`\sigma_i = \sqrt{\frac{1}{M}\sum_k (F_{ik}-\mu_i)^2 + \epsilon}` over the positions.

    ``features`` ``[B, N, H, W]``; returns two ``[B, N]`` tensors (float32, float64 kept).
    """
    with torch.autocast(device_type=features.device.type, enabled=False):
        f = _flat(features)
        mean = f.mean(dim=2)
        std = (f.var(dim=2, unbiased=False) + STD_EPSILON).sqrt()
    return mean, std


def resample_sorted(values: torch.Tensor, count: int) -> torch.Tensor:
    r"""Sorted values ``[B, N, M]`` read at ``count`` quantile levels (nearest rank).

    The :math:`k`-th of the :math:`M'` = ``count`` values is the style's value at the same
    quantile, index :math:`\lfloor (k + \frac{1}{2}) M / M' \rfloor`: how a style image of another
    size is compared with the output. Equal sizes leave the values unchanged, and a style tiled
    :math:`t` times gives each value :math:`t` times, exactly the tiling's own sorted values.
    """
    m = values.shape[-1]
    if m == count:
        return values
    index = ((torch.arange(count, device=values.device) + 0.5) * (m / count)).long().clamp(max=m - 1)
    return values[..., index]


def _check_positions(features: torch.Tensor, count: int, what: str) -> None:
    if features.shape[2:].numel() != count:
        raise ValueError(
            f"{what} target has {count} positions, the features {features.shape[2:].numel()}: "
            "build the target for the output's size"
        )


class MeanStdStatistic(StyleStatistic):
    r"""Each channel's mean and standard deviation: Li et al.'s (2017) batch-normalisation
    statistics loss, the statistics that AdaIN (Huang & Belongie 2017) transfers.

    .. math:: E_l = \frac{1}{N_l}\sum_{i=1}^{N_l}\left[(\mu^l_i - \mu^l_{S,i})^2
              + (\sigma^l_i - \sigma^l_{S,i})^2\right]

    with :math:`\mu, \sigma` of :func:`channel_mean_std` for the output and for the style (S),
    as in the authors' code (lyttonhao/Neural-Style-MMD, ``bn_loss.py``: squared differences,
    divided by the number of channels). Huang & Belongie write their style loss with unsquared
    L2 norms; we keep the squared form, which is differentiable where the statistics match. It
    forgets every correlation between channels: a style whose colours or strokes come in
    combinations loses them. Masks are not defined for it.
    """

    name = "mean_std"
    default_ratio = BALANCED_RATIO

    def target(self, features: torch.Tensor, positions: int) -> tuple[torch.Tensor, torch.Tensor]:
        return channel_mean_std(features)  # means and deviations do not depend on the size

    def loss(self, features: torch.Tensor, target: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        mean, std = channel_mean_std(features)
        mean_s, std_s = target
        return ((mean - mean_s).pow(2).sum() + (std - std_s).pow(2).sum()) / features.shape[1]


class HistogramStatistic(StyleStatistic):
    r"""Each channel's whole distribution of values (the histogram loss of Risser et al. 2017).

    .. math:: E_l = \frac{1}{N_l M_l}\left\lVert F^l - R(F^l)\right\rVert_F^2

    where :math:`R(F^l)` remaps each channel of the output so that its values have the style's
    distribution (histogram matching) and is held constant in the gradient. We match exactly by
    sorting: the :math:`k`-th smallest value of channel :math:`i` is sent to the style's
    :math:`k`-th smallest (its quantile, :func:`resample_sorted`, when the sizes differ), so
    :math:`E_l = \frac{1}{N_l M_l}\sum_{ik}(\mathrm{sort}(F^l_i)_k - \mathrm{sort}(S^l_i)_k)^2`,
    the squared 1-D Wasserstein-2 distance per channel.

    Our choices: the co-author's code (pierre-wilmot/NeuralTextureSynthesis) matches 256-bin
    histograms; sorting needs no choice of bins and costs about as much at these sizes. The
    division by :math:`N_l M_l` (a mean, so that layers and sizes compare) is ours. Risser et al.
    use the histogram loss *together with* the Gram loss, with a weight per layer; alone, as
    here, it shows what histograms carry: each channel's distribution and no correlations
    between channels. Masks are not defined for it.
    """

    name = "histogram"
    default_ratio = BALANCED_RATIO

    def target(self, features: torch.Tensor, positions: int) -> torch.Tensor:
        with torch.autocast(device_type=features.device.type, enabled=False):
            return resample_sorted(_flat(features).sort(dim=2).values, positions)

    def loss(self, features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        _check_positions(features, target.shape[-1], "the histogram")
        with torch.autocast(device_type=features.device.type, enabled=False):
            f = _flat(features)
            return (f.sort(dim=2).values - target).pow(2).sum() / (f.shape[1] * f.shape[2])


class SlicedWassersteinStatistic(StyleStatistic):
    r"""The whole distribution of the feature vectors, along random directions (Heitz et al. 2021).

    .. math:: E_l = \mathbb{E}_{V}\left[\frac{1}{K M_l}\sum_{j=1}^{K}\sum_{k=1}^{M_l}
              \left(\mathrm{sort}(V_j^\top F^l)_k - \mathrm{sort}(V_j^\top S^l)_k\right)^2\right]

    with :math:`K` directions :math:`V_j` drawn uniformly on the unit sphere of
    :math:`\mathbb{R}^{N_l}`: the squared 1-D Wasserstein-2 distance of the projections, averaged
    over the directions (the sliced Wasserstein distance). As in the authors' code
    (tchambon/A-Sliced-Wasserstein-Loss-for-Neural-Texture-Synthesis), :math:`K = N_l`.

    Our choice: the directions are drawn once per run (seeded by ``seed``), so the loss is
    deterministic; layers with the same number of channels share them. The authors' PyTorch code
    draws new ones at every evaluation and runs L-BFGS without a line search; with the
    strong-Wolfe line search of :func:`helpers.stylize` a loss that changes between evaluations
    stalls (measured at 128 px: the style loss stayed near its start for 100 evaluations, while
    fixed directions lowered it 75-fold). ``resample=True``
    draws anew at every evaluation (for Adam). The histogram loss is the special case of the
    :math:`N_l` coordinate axes as directions. Masks are not defined for it.
    """

    name = "sliced_wasserstein"
    default_ratio = BALANCED_RATIO

    def __init__(self, seed: int = 0, *, resample: bool = False, directions: int | None = None) -> None:
        self.seed, self.resample, self.directions = int(seed), bool(resample), directions
        self._generator = torch.Generator().manual_seed(self.seed)
        self._fixed: dict[int, torch.Tensor] = {}

    def __repr__(self) -> str:
        return f"SlicedWassersteinStatistic(seed={self.seed}, resample={self.resample})"

    def draw(self, channels: int, device: torch.device) -> torch.Tensor:
        """``K`` unit directions ``[K, channels]`` (``K`` = ``directions`` or ``channels``)."""
        if not self.resample and channels in self._fixed:
            return self._fixed[channels].to(device)
        k = self.directions or channels
        v = torch.randn(k, channels, generator=self._generator)
        v = v / v.norm(dim=1, keepdim=True)
        if not self.resample:
            self._fixed[channels] = v
        return v.to(device)

    def target(self, features: torch.Tensor, positions: int) -> tuple[torch.Tensor, int, torch.Tensor | None]:
        """With redrawn directions, the style's responses (projected anew at each evaluation); with
        fixed ones, only its sorted projections at the output's ``positions``, computed once."""
        with torch.autocast(device_type=features.device.type, enabled=False):
            style = _flat(features)
            if self.resample:
                return style, positions, None
            directions = self.draw(style.shape[1], style.device)
            return None, positions, _sorted_projections(style, directions, positions)  # responses not kept

    def loss(self, features: torch.Tensor, target: tuple) -> torch.Tensor:
        style, positions, wanted = target
        _check_positions(features, positions, "the sliced Wasserstein")
        with torch.autocast(device_type=features.device.type, enabled=False):
            f = _flat(features)
            v = self.draw(f.shape[1], f.device).to(f.dtype)
            projected = torch.matmul(v, f).sort(dim=2).values  # [B, K, M]
            if wanted is None:
                with torch.no_grad():
                    wanted = _sorted_projections(style, v, positions)
            return (projected - wanted.to(f.dtype)).pow(2).sum() / (v.shape[0] * f.shape[2])


def _sorted_projections(style: torch.Tensor, v: torch.Tensor, positions: int) -> torch.Tensor:
    """The style's responses projected on the directions ``v``, sorted, at ``positions`` quantiles."""
    return resample_sorted(torch.matmul(v.to(style.dtype), style).sort(dim=2).values, positions)


#: The style losses by name: ``stylize(..., style_loss=NAME)``. "gram" is the paper's.
STYLE_LOSSES: dict[str, type[StyleStatistic]] = {
    "gram": GramStatistic,
    "mean_std": MeanStdStatistic,
    "histogram": HistogramStatistic,
    "sliced_wasserstein": SlicedWassersteinStatistic,
}


def style_statistic(name: str | StyleStatistic, *, seed: int = 0) -> StyleStatistic:
    """The statistic behind ``style_loss=name`` (the sliced Wasserstein one seeded by ``seed``);
    a :class:`StyleStatistic` of your own is used as it is."""
    if isinstance(name, StyleStatistic):
        return name
    if name not in STYLE_LOSSES:
        raise ValueError(f"unknown style_loss {name!r}: use {', '.join(map(repr, STYLE_LOSSES))}")
    cls = STYLE_LOSSES[name]
    return cls(seed) if cls is SlicedWassersteinStatistic else cls()
