r"""Notebook 11: what is a style? Two statistics of the features other than the Gram matrix,
each written by the learner as one layer's style loss.

* ``check_mean_std_loss``: each channel's mean and standard deviation (Li et al. 2017's
  batch-normalisation statistics loss, the statistics AdaIN transfers),
  :math:`E_l = \frac{1}{N}\sum_i[(\mu_i - \mu_{S,i})^2 + (\sigma_i - \sigma_{S,i})^2]`, the
  statistics over the positions and the standard deviation the population one.
* ``check_histogram_loss``: each channel's whole distribution of values (Risser et al. 2017),
  matched exactly by sorting,
  :math:`E_l = \frac{1}{NM}\sum_i\sum_k(\mathrm{sort}(F_i)_k - \mathrm{sort}(S_i)_k)^2`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...extensions.style_losses import HistogramStatistic, MeanStdStatistic
from .feedback import Feedback, Mistake, _call, _compare, _differentiable, _one_number, _recognise

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _spread(seed: int, shape: tuple[int, ...]) -> torch.Tensor:
    """Random responses whose channels differ in mean and spread, each channel's variance of order
    one (so that an epsilon of 1e-5 added to it changes nothing at rtol 1e-4); no ties."""
    generator = torch.Generator().manual_seed(seed)
    channels = shape[1]
    shift = 2 * torch.rand(1, channels, 1, 1, generator=generator) - 1
    scale = 0.7 + 0.8 * torch.rand(1, channels, 1, 1, generator=generator)
    return shift + scale * torch.randn(shape, generator=generator)


def _probe(
    feedback: Feedback,
    fn: Loss,
    features: torch.Tensor,
    style: torch.Tensor,
    reference: Loss,
    mistakes,
    what: str,
) -> bool:
    """One probe: one number, the reference's value (else the mistake that gives it), a gradient
    and the reference's gradient with respect to the features. False once something is wrong."""
    F = features.clone().requires_grad_(True)
    got = _call(feedback, fn, F, style.clone())
    if feedback.problem:
        return False
    got = _one_number(feedback, got, what)
    if got is None:
        return False
    expected = reference(features, style)
    if not torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-6):
        if not _recognise(feedback, got.detach(), mistakes, features, style):
            _compare(feedback, got.detach(), expected, what)
        return False
    if not _differentiable(feedback, got, what):
        return False
    got.backward()
    if F.grad is None:
        return feedback.fail(
            f"{what} has the right value but no gradient with respect to the features: compute it "
            "from `features` itself, with torch operations"
        )
    mine = features.clone().requires_grad_(True)
    reference(mine, style).backward()
    return _compare(feedback, F.grad, mine.grad, "its gradient with respect to the features", rtol=1e-3)


# ------------------------------------------------------------------------- means and deviations


def _mean_std_reference(features: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    statistic = MeanStdStatistic()
    return statistic.loss(features, statistic.target(style, features.shape[2:].numel()))


def _deltas(
    F: torch.Tensor, S: torch.Tensor, dims: tuple[int, ...] = (2, 3), unbiased: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """The differences of the means and of the standard deviations taken over ``dims``."""
    return (
        F.mean(dim=dims) - S.mean(dim=dims),
        F.std(dim=dims, unbiased=unbiased) - S.std(dim=dims, unbiased=unbiased),
    )


def _squared(F: torch.Tensor, S: torch.Tensor, dims: tuple[int, ...] = (2, 3), unbiased: bool = False):
    dm, ds = _deltas(F, S, dims, unbiased)
    return dm.pow(2).sum() + ds.pow(2).sum()


def _norms(F: torch.Tensor, S: torch.Tensor) -> torch.Tensor:
    """AdaIN's form: the unsquared L2 norms over the channels, one per image, summed."""
    dm, ds = _deltas(F, S)
    return dm.pow(2).sum(1).sqrt().sum() + ds.pow(2).sum(1).sqrt().sum()


# long: a table of named mistakes, then the probes (one image, a batch, a style of another size)
def check_mean_std_loss(fn: Loss) -> bool:
    r"""Check ``fn(features, style_features)``: one layer's mean and standard deviation loss.

    ``features`` ``[B, N, H, W]`` (with a gradient), ``style_features`` ``[1, N, H', W']`` of any
    size. :math:`E_l = \frac{1}{N}\sum_i[(\mu_i - \mu_{S,i})^2 + (\sigma_i - \sigma_{S,i})^2]`,
    summed over the batch, with each channel's mean and population standard deviation over its
    :math:`H \times W` positions (a small epsilon added to the variance is accepted).
    """
    feedback = Feedback("mean_std_loss")

    def n(F: torch.Tensor) -> int:
        return F.shape[1]

    def nm(F: torch.Tensor) -> int:
        return F.shape[1] * F.shape[2] * F.shape[3]

    positions = "each channel's mean and standard deviation are over its H×W positions, dim=(2, 3)"
    mistakes: list[Mistake] = [
        (
            "you took the unbiased standard deviation (dividing by M − 1, torch.std's default): the "
            "statistic is the population one over the M positions, std(unbiased=False) or "
            "var(unbiased=False).sqrt()",
            lambda F, S: _squared(F, S, unbiased=True) / n(F),
        ),
        (
            "you compared the variances: compare the standard deviations σ = sqrt(variance), which "
            "have the same units as the means",
            lambda F, S: (
                (
                    (F.mean((2, 3)) - S.mean((2, 3))).pow(2).sum()
                    + (F.var((2, 3), unbiased=False) - S.var((2, 3), unbiased=False)).pow(2).sum()
                )
                / n(F)
            ),
        ),
        ("you left out the 1/N: divide the sum over the N channels by N", lambda F, S: _squared(F, S)),
        (
            "you divided by N·M: the means and deviations are already averages over the positions, "
            "so divide by N, the number of channels, only",
            lambda F, S: _squared(F, S) / nm(F),
        ),
        (
            "you divided by M, the number of positions: divide by N, the number of channels",
            lambda F, S: _squared(F, S) / (F.shape[2] * F.shape[3]),
        ),
        (
            "you averaged over the batch too (.mean() of the [B, N] terms): sum over the images of "
            "the batch and divide by N only",
            lambda F, S: _squared(F, S) / (F.shape[0] * n(F)),
        ),
        (
            "your loss uses only the first image of the batch: sum the terms over all B images",
            lambda F, S: _squared(F[:1], S) / n(F),
        ),
        (
            "you compared only the means: add the standard deviations' terms (σ_i − σ_S,i)²",
            lambda F, S: _deltas(F, S)[0].pow(2).sum() / n(F),
        ),
        (
            "you compared only the standard deviations: add the means' terms (μ_i − μ_S,i)²",
            lambda F, S: _deltas(F, S)[1].pow(2).sum() / n(F),
        ),
        (
            f"you took the statistics over the channels (dim=1): {positions}",
            lambda F, S: _squared(F, S, (1,)) / n(F),
        ),
        (
            f"you took one mean and one standard deviation of the whole layer: {positions}, N of each",
            lambda F, S: _squared(F, S, (1, 2, 3)),
        ),
        (
            f"you took one mean and one standard deviation of the whole layer: {positions}, N of each",
            lambda F, S: _squared(F, S, (1, 2, 3)) / n(F),
        ),
        (
            "you added the unsquared L2 norms ‖μ − μ_S‖₂ + ‖σ − σ_S‖₂: Huang & Belongie's AdaIN paper "
            "writes its style loss with unsquared norms, but this course uses Li et al.'s squared form, "
            "(1/N) Σ_i [(μ_i − μ_S,i)² + (σ_i − σ_S,i)²]",
            _norms,
        ),
        (
            "you added the unsquared L2 norms ‖μ − μ_S‖₂ + ‖σ − σ_S‖₂ (and divided by N): Huang & "
            "Belongie's AdaIN paper writes its style loss with unsquared norms, but this course uses "
            "Li et al.'s squared form, (1/N) Σ_i [(μ_i − μ_S,i)² + (σ_i − σ_S,i)²]",
            lambda F, S: _norms(F, S) / n(F),
        ),
        (
            f"you took the statistics over the height only (dim=2): {positions}",
            lambda F, S: _squared(F, S, (2,)) / n(F),
        ),
        (
            f"you took the statistics over the width only (dim=3): {positions}",
            lambda F, S: _squared(F, S, (3,)) / n(F),
        ),
    ]
    # one image and a style of its size; a batch of two; a batch and a style of another size
    probes = (
        (0, (1, 3, 4, 5), (1, 3, 4, 5)),
        (1, (2, 4, 3, 6), (1, 4, 3, 6)),
        (2, (2, 5, 4, 4), (1, 5, 6, 5)),
    )
    hints = (
        "",
        "your function works for one image but fails for a batch of 2 ({}): compute the statistics "
        "per image and channel, [B, N], and compare them with the style's [1, N] (they broadcast)",
        "your function works when the style has the features' size but fails for a style of "
        "another size ({}): compare the [B, N] means and deviations, which do not depend on the "
        "size, never the responses themselves",
    )
    for (seed, shape, style_shape), hint in zip(probes, hints):
        features, style = _spread(seed, shape), _spread(seed + 100, style_shape)
        if not _probe(feedback, fn, features, style, _mean_std_reference, mistakes, "your mean-std loss"):
            if hint and feedback.problem.startswith("your function raised"):
                feedback.problem = hint.format(feedback.problem)
            return feedback.report()
    return feedback.report()


# ------------------------------------------------------------------------------------ histograms


def _histogram_reference(features: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    statistic = HistogramStatistic()
    return statistic.loss(features, statistic.target(style, features.shape[2:].numel()))


def _sorted(x: torch.Tensor) -> torch.Tensor:
    """Each channel's M values, ascending: ``[B, N, M]``."""
    return x.flatten(2).sort(dim=2).values


# long: a table of named mistakes, then the probes at two shapes
def check_histogram_loss(fn: Loss) -> bool:
    r"""Check ``fn(features, style_features)``: one layer's histogram loss, matched by sorting.

    ``features`` (with a gradient) and ``style_features`` have the same shape ``[1, N, H, W]``;
    :math:`E_l = \frac{1}{NM}\sum_i\sum_k(\mathrm{sort}(F_i)_k - \mathrm{sort}(S_i)_k)^2`, each
    channel's :math:`M = H \times W` values sorted on their own.
    """
    feedback = Feedback("histogram_loss")

    def nm(F: torch.Tensor) -> int:
        return F.shape[1] * F.shape[2] * F.shape[3]

    def mean_square(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (a - b).pow(2).sum() / a.numel()

    per_channel = "sort each channel's M values on their own: features.flatten(2).sort(dim=2)"
    mistakes: list[Mistake] = [
        (
            "you compared the values position by position, without sorting: that is a content loss "
            "(it asks for the style's value at each place); a histogram forgets where, so "
            f"{per_channel}, and the same for the style",
            lambda F, S: mean_square(F, S),
        ),
        (
            "you sorted all the layer's values together: that is one histogram for all the channels; "
            f"{per_channel}",
            lambda F, S: mean_square(F.flatten().sort().values, S.flatten().sort().values),
        ),
        (
            f"you sorted along the channels (dim=1): {per_channel}",
            lambda F, S: mean_square(F.sort(dim=1).values, S.sort(dim=1).values),
        ),
        (
            f"you sorted each row only (the last dimension of [B, N, H, W]): {per_channel}",
            lambda F, S: mean_square(F.sort(dim=-1).values, S.sort(dim=-1).values),
        ),
        (
            "you sorted only the features: sort the style's values too, so that the k-th smallest "
            "value meets the style's k-th smallest",
            lambda F, S: mean_square(_sorted(F), S.flatten(2)),
        ),
        (
            "you sorted only the style: sort the features' values too, so that the k-th smallest "
            "value meets the style's k-th smallest",
            lambda F, S: mean_square(F.flatten(2), _sorted(S)),
        ),
        (
            "you sorted one ascending and the other descending: sort both the same way, so that the "
            "k-th smallest value meets the style's k-th smallest",
            lambda F, S: mean_square(_sorted(F), _sorted(S).flip(-1)),
        ),
        (
            "you left out the 1/(N M): average the squared differences over the N channels and the "
            "M positions (or .mean())",
            lambda F, S: (_sorted(F) - _sorted(S)).pow(2).sum(),
        ),
        (
            "you divided by M only: divide by N M, the number of values (or .mean())",
            lambda F, S: (_sorted(F) - _sorted(S)).pow(2).sum() / (F.shape[2] * F.shape[3]),
        ),
        (
            "you divided by N only: divide by N M, the number of values (or .mean())",
            lambda F, S: (_sorted(F) - _sorted(S)).pow(2).sum() / F.shape[1],
        ),
        (
            "you took the square root of the mean (an RMS distance): the loss is the mean of the "
            "squared differences itself, with no square root",
            lambda F, S: ((_sorted(F) - _sorted(S)).pow(2).sum() / nm(F)).sqrt(),
        ),
    ]
    for seed, shape in ((3, (1, 3, 4, 5)), (4, (1, 4, 3, 6))):
        features, style = _spread(seed, shape), _spread(seed + 100, shape)
        if not _probe(feedback, fn, features, style, _histogram_reference, mistakes, "your histogram loss"):
            return feedback.report()
    return feedback.report()
