r"""Notebooks 09 and 10: the follow-up papers' building blocks, written by the learner.

* ``check_match_luminance``: luminance-only transfer's matching step (Gatys, Bethge, Hertzmann &
  Shechtman 2016), :math:`L_S' = \frac{\sigma_C}{\sigma_S}(L_S - \mu_S) + \mu_C` on the Y of YIQ.
* ``check_guided_gram``: the guided Gram matrix of spatial control (Gatys et al. 2017), in the
  authors' reference code's form: the mask enters squared.
* ``check_total_variation``: the total-variation regulariser, the :math:`\beta = 2` case of
  Mahendran & Vedaldi's (2015) :math:`V^\beta`.
* ``check_blended_gram_target``: one Gram target for several styles, as jcjohnson/neural-style
  blends them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from ...core.losses import gram_matrix, total_variation
from ...extensions.color import luminance
from ...extensions.spatial import masked_gram
from .feedback import (
    Feedback,
    Mistake,
    _call,
    _compare,
    _differentiable,
    _judge,
    _one_number,
    _recognise,
    _responses,
)

# --------------------------------------------------------------------------- luminance matching


def _image(seed: int, shape: tuple[int, ...], mean: float, spread: float) -> torch.Tensor:
    """A random RGB image whose values stay well inside [0, 1] (so that no answer needs clamping)."""
    generator = torch.Generator().manual_seed(seed)
    return (mean + spread * (torch.rand(shape, generator=generator) - 0.5)).clamp(0, 1)


def _std_match(ls: torch.Tensor, lc: torch.Tensor) -> torch.Tensor:
    return (ls - ls.mean()) * (lc.std() / ls.std()) + lc.mean()


# long: one ordered chain of diagnoses, each naming one mistake
def check_match_luminance(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(style, content)``: the style's luminance matched to the content's statistics.

    ``style`` and ``content`` are RGB images ``[1, 3, H, W]`` in [0, 1] (of different sizes); the
    answer is ``[1, 1, H_S, W_S]``, :math:`L_S' = \frac{\sigma_C}{\sigma_S}(L_S - \mu_S) + \mu_C` with
    :math:`L = 0.299R + 0.587G + 0.114B` (the Y of YIQ), means and standard deviations over all
    pixels. A grey RGB image (three equal channels) is accepted too.
    """
    feedback = Feedback("match_luminance")

    def grey_mean(image: torch.Tensor) -> torch.Tensor:
        return image.mean(dim=1, keepdim=True)

    mistakes: list[Mistake] = [
        (
            "you returned the style's luminance unchanged: shift and scale it to the photo's mean and "
            "standard deviation",
            lambda s, c: luminance(s),
        ),
        (
            "you matched the mean but not the contrast: scale by σ_C/σ_S before adding μ_C",
            lambda s, c: luminance(s) - luminance(s).mean() + luminance(c).mean(),
        ),
        (
            "you scaled by the ratio of the variances: use the ratio of the standard deviations, σ_C/σ_S",
            lambda s, c: (
                (luminance(s) - luminance(s).mean()) * (luminance(c).var() / luminance(s).var())
                + luminance(c).mean()
            ),
        ),
        (
            "your ratio is upside down: multiply by σ_C/σ_S (the photo's spread over the painting's)",
            lambda s, c: (
                (luminance(s) - luminance(s).mean()) * (luminance(s).std() / luminance(c).std())
                + luminance(c).mean()
            ),
        ),
        (
            "you forgot to subtract the style's mean μ_S before scaling",
            lambda s, c: luminance(s) * (luminance(c).std() / luminance(s).std()) + luminance(c).mean(),
        ),
        (
            "you added the style's mean back: the matched luminance takes the photo's mean, + μ_C",
            lambda s, c: (
                (luminance(s) - luminance(s).mean()) * (luminance(c).std() / luminance(s).std())
                + luminance(s).mean()
            ),
        ),
        (
            "you swapped the roles: it is the painting's luminance that takes the photo's statistics",
            lambda s, c: _std_match(luminance(c), luminance(s)),
        ),
        (
            "you took the plain mean of R, G and B: the luminance is Y = 0.299 R + 0.587 G + 0.114 B",
            lambda s, c: _std_match(grey_mean(s), grey_mean(c)),
        ),
    ]
    # (seed, shape, mean, spread) of the style, then of the content: sizes and statistics differ
    probes = (
        ((0, (1, 3, 24, 32), 0.55, 0.5), (1, (1, 3, 20, 20), 0.45, 0.3)),
        ((2, (1, 3, 16, 12), 0.4, 0.3), (3, (1, 3, 12, 16), 0.6, 0.6)),
    )
    for style_probe, content_probe in probes:
        style, content = _image(*style_probe), _image(*content_probe)
        got = _call(feedback, fn, style, content)
        if feedback.problem:
            return feedback.report()
        expected = _std_match(luminance(style), luminance(content))
        grey_rgb = isinstance(got, torch.Tensor) and got.dim() == 4 and got.shape[1] == 3
        if grey_rgb and torch.allclose(got[:, :1].expand_as(got), got):
            got = got[:, :1]  # a grey RGB image: its one channel is the answer
        right = (
            isinstance(got, torch.Tensor)
            and got.shape == expected.shape
            and torch.allclose(got.detach().double(), expected.double(), rtol=2e-3, atol=1e-4)
        )
        if not right:
            # rtol 2e-3 accepts either standard deviation (divided by n or by n - 1)
            for message, wrong in mistakes:
                candidate = wrong(style, content)
                if (
                    isinstance(got, torch.Tensor)
                    and got.shape == candidate.shape
                    and torch.allclose(got.detach().double(), candidate.double(), rtol=2e-3, atol=1e-4)
                ):
                    feedback.fail(message)
                    break
            else:
                _compare(feedback, got, expected, "your matched luminance", rtol=2e-3)
            return feedback.report()
    return feedback.report()


# --------------------------------------------------------------------------------- guided Gram


def _soft_mask(seed: int, shape: tuple[int, int]) -> torch.Tensor:
    """A soft mask [1, 1, H, W]: zero on the left, values in (0, 1] elsewhere (so that m and m² differ)."""
    generator = torch.Generator().manual_seed(seed)
    mask = 0.2 + 0.8 * torch.rand(1, 1, *shape, generator=generator)
    mask[..., : shape[1] // 3] = 0
    return mask


def check_guided_gram(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(F, mask)`` against the guided Gram matrix of spatial control (Gatys et al. 2017).

    ``F`` ``[B, N, H, W]`` are responses, ``mask`` ``[1, 1, H, W]`` a soft region in [0, 1]. As in the
    authors' code, the responses are multiplied by the guide :math:`g = m/\sqrt{\mathrm{mean}(m^2)}`
    and the Gram matrix is divided by :math:`M`: :math:`\hat G = \sum_k m_k^2 F_{ik}F_{jk} / \sum_k m_k^2`,
    shape ``[B, N, N]``.
    """
    feedback = Feedback("guided_gram")

    def flat(t: torch.Tensor) -> torch.Tensor:
        return t.flatten(2)

    def weighted(F: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return (flat(F) * flat(w)) @ flat(F).transpose(1, 2)

    mistakes: list[Mistake] = [
        (
            "you ignored the mask: the Gram matrix must count each position by its guide",
            lambda F, m: gram_matrix(F) / flat(F).shape[2],
        ),
        (
            "you ignored the mask and did not normalise: multiply the responses by the guide first",
            lambda F, m: gram_matrix(F),
        ),
        (
            "you weighted each position by m: the responses are multiplied by the guide, so each product "
            "F_ik F_jk carries m² (and the normalisation is Σ m²)",
            lambda F, m: weighted(F, m) / m.sum(),
        ),
        (
            "you multiplied only one factor by the mask: mask both, (m F)(m F)ᵀ, so that the product "
            "carries m², and divide by Σ m²",
            lambda F, m: weighted(F, m) / m.pow(2).sum(),
        ),
        (
            "you divided by Σ m instead of Σ m² (the guide has unit mean square: g = m / sqrt(mean(m²)))",
            lambda F, m: weighted(F, m.pow(2)) / m.sum(),
        ),
        (
            "you divided by M, the number of positions: normalise the guide first, so divide by Σ m² "
            "(a region's Gram matrix should not shrink with its area)",
            lambda F, m: weighted(F, m.pow(2)) / flat(F).shape[2],
        ),
        (
            "you did not normalise: divide by Σ m², so that the region's size does not scale the Gram matrix",
            lambda F, m: weighted(F, m.pow(2)),
        ),
    ]
    for seed, shape in ((4, (2, 3, 4, 6)), (5, (1, 4, 5, 5))):
        F = _responses(seed, shape)
        mask = _soft_mask(seed, shape[2:])
        got = _call(feedback, fn, F, mask)
        if feedback.problem:
            return feedback.report()
        expected = masked_gram(F, mask)
        if not _judge(feedback, got, expected, "your guided Gram matrix", mistakes, F, mask):
            return feedback.report()
    return feedback.report()


# ----------------------------------------------------------------------------- total variation


def check_total_variation(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(x)`` against :math:`\sum_{ij}(x_{i+1,j}-x_{ij})^2 + \sum_{ij}(x_{i,j+1}-x_{ij})^2`.

    ``x`` is an image ``[B, 3, H, W]``; the answer is one differentiable number, summed over the
    batch, the channels and every pair of vertical and of horizontal neighbours.
    """
    feedback = Feedback("total_variation")

    def dy(x: torch.Tensor) -> torch.Tensor:
        return x[..., 1:, :] - x[..., :-1, :]

    def dx(x: torch.Tensor) -> torch.Tensor:
        return x[..., :, 1:] - x[..., :, :-1]

    mistakes: list[Mistake] = [
        (
            "you summed absolute differences (the β = 1 form): here each difference is squared (β = 2)",
            lambda x: dy(x).abs().sum() + dx(x).abs().sum(),
        ),
        (
            "you took the length of each pixel's gradient, sqrt(dx² + dy²) (isotropic TV): here the "
            "squared differences are summed, with no square root",
            lambda x: (dy(x)[..., :, :-1].pow(2) + dx(x)[..., :-1, :].pow(2)).sqrt().sum(),
        ),
        (
            "you averaged (.mean()) instead of summing over the neighbours",
            lambda x: dy(x).pow(2).mean() + dx(x).pow(2).mean(),
        ),
        (
            "you kept only the vertical neighbours (x[i+1, j] - x[i, j]): add the horizontal ones",
            lambda x: dy(x).pow(2).sum(),
        ),
        (
            "you kept only the horizontal neighbours (x[i, j+1] - x[i, j]): add the vertical ones",
            lambda x: dx(x).pow(2).sum(),
        ),
        (
            "your differences wrap around the border (torch.roll): the last row and column have no "
            "neighbour beyond the edge, so slice, x[..., 1:, :] - x[..., :-1, :]",
            lambda x: (torch.roll(x, 1, -2) - x).pow(2).sum() + (torch.roll(x, 1, -1) - x).pow(2).sum(),
        ),
        (
            "you took differences between colour channels (dimension 1): neighbours are along height "
            "and width, the last two dimensions",
            lambda x: (x[:, 1:] - x[:, :-1]).pow(2).sum() + dx(x).pow(2).sum(),
        ),
        (
            "you squared the sum of the differences: square each difference, then sum",
            lambda x: dy(x).sum().pow(2) + dx(x).sum().pow(2),
        ),
    ]
    for seed, shape in ((6, (1, 3, 5, 7)), (7, (2, 3, 6, 4))):
        x = torch.rand(shape, generator=torch.Generator().manual_seed(seed)).requires_grad_(True)
        got = _one_number(feedback, _call(feedback, fn, x), "your total variation")
        if got is None:
            return feedback.report()
        expected = total_variation(x.detach())
        if not torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-6):
            if not _recognise(feedback, got.detach(), mistakes, x.detach()):
                _compare(feedback, got.detach(), expected, "your total variation")
            return feedback.report()
        if not _differentiable(feedback, got, "your total variation"):
            return feedback.report()
    return feedback.report()


# ------------------------------------------------------------------------ blended Gram target


def check_blended_gram_target(
    fn: Callable[[Sequence[torch.Tensor], Sequence[float]], torch.Tensor],
) -> bool:
    r"""Check ``fn(grams, weights)``: one target for many styles, :math:`\sum_s\omega_s A_s/\sum_s\omega_s`.

    ``grams`` is a list of the styles' Gram matrices ``[1, N, N]`` (taken over the same number of
    positions), ``weights`` a list of non-negative blend weights that need not sum to one.
    """
    feedback = Feedback("blended_gram_target")

    def normalised(w: Sequence[float]) -> list[float]:
        return [v / sum(w) for v in w]

    mistakes: list[Mistake] = [
        (
            "you did not normalise the weights: divide by their sum, so that the target keeps the size "
            "of one Gram matrix whatever the weights add up to",
            lambda grams, w: sum(v * g for v, g in zip(w, grams)),
        ),
        (
            "you averaged the Gram matrices and ignored the weights",
            lambda grams, w: sum(grams) / len(grams),
        ),
        (
            "your weights go to the wrong styles: weights[s] belongs to grams[s]",
            lambda grams, w: sum(v * g for v, g in zip(normalised(w)[::-1], grams)),
        ),
        (
            "you multiplied the Gram matrices (element by element): a blend is a weighted sum",
            lambda grams, w: torch.stack(grams).prod(0),
        ),
        ("you returned only the first style's Gram matrix", lambda grams, w: grams[0]),
    ]
    for seed, n, weights in ((8, 3, [0.7, 0.3]), (9, 4, [2.0, 1.0, 5.0])):
        grams = [gram_matrix(_responses(seed + 10 * s, (1, n, 4, 5))) for s in range(len(weights))]
        got = _call(feedback, fn, [g.clone() for g in grams], list(weights))
        if feedback.problem:
            return feedback.report()
        expected = sum(v * g for v, g in zip(normalised(weights), grams))
        if not _judge(feedback, got, expected, "your blended target", mistakes, grams, weights):
            return feedback.report()
    return feedback.report()
