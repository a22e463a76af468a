"""Notebooks 04 and 05: the content loss, the Gram matrix and the style loss (Eqs. 1-5)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...core.losses import content_loss, gram_matrix, style_loss
from .feedback import Feedback, Mistake, _call, _compare, _differentiable, _one_number, _recognise, _responses


def check_content_loss(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(F, P)`` against Eq. 1, :math:`\frac12\sum_{ij}(F_{ij} - P_{ij})^2`, and Eq. 2.

    ``F`` (the generated image's responses) and ``P`` (the content image's) are ``[B, N, H, W]``;
    the answer is one number whose gradient with respect to ``F`` is ``F - P``.
    """

    feedback = Feedback("content_loss")
    mistakes: list[Mistake] = [
        (
            "you forgot the 1/2 in front of the sum (your loss is twice Eq. 1)",
            lambda F, P: (F - P).pow(2).sum(),
        ),
        (
            "you averaged (.mean()) instead of summing: Eq. 1 sums over every filter i and position j",
            lambda F, P: 0.5 * (F - P).pow(2).mean(),
        ),
        (
            "you averaged (.mean()) instead of summing, and the 1/2 is missing: Eq. 1 is half the sum",
            lambda F, P: (F - P).pow(2).mean(),
        ),
        (
            "you squared F and P separately: square their difference, (F - P)**2, then sum",
            lambda F, P: 0.5 * (F.pow(2) - P.pow(2)).sum(),
        ),
        (
            "you squared the sum of the differences: square each difference first, then sum",
            lambda F, P: 0.5 * (F - P).sum().pow(2),
        ),
        (
            "you took the length ‖F - P‖; Eq. 1 uses its square (no square root)",
            lambda F, P: 0.5 * (F - P).norm(),
        ),
        ("you did not square the differences: Eq. 1 sums (F - P)**2", lambda F, P: 0.5 * (F - P).abs().sum()),
        ("you did not square the differences: Eq. 1 sums (F - P)**2", lambda F, P: 0.5 * (F - P).sum()),
    ]
    for seed, shape in ((0, (1, 3, 4, 5)), (1, (2, 4, 3, 3))):
        F = _responses(seed, shape).requires_grad_(True)
        P = _responses(seed + 100, shape)
        got = _one_number(feedback, _call(feedback, fn, F, P), "your content loss")
        if got is None:
            return feedback.report()
        expected = content_loss(F.detach(), P)
        if not torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-6):
            if not _recognise(feedback, got.detach(), mistakes, F.detach(), P):
                _compare(feedback, got.detach(), expected, "your content loss")
            return feedback.report()
        if not _differentiable(feedback, got, "your content loss"):
            return feedback.report()
        got.backward()
        _compare(feedback, F.grad, (F - P).detach(), "its gradient with respect to F (Eq. 2: F - P)")
        if feedback.problem:
            return feedback.report()
    return feedback.report()


def check_gram_matrix(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(F)`` against Eq. 3, :math:`G_{ij} = \sum_k F_{ik} F_{jk}`, for a batch of responses.

    ``F`` is ``[B, N, H, W]``; the answer is ``[B, N, N]``, one plain (unnormalised) Gram matrix
    per image.
    """

    feedback = Feedback("gram_matrix")

    def flat(F: torch.Tensor) -> torch.Tensor:
        return F.reshape(F.shape[0], F.shape[1], -1)

    mistakes: list[Mistake] = [
        (
            "you divided by M_l = H·W (the number of positions): the paper's Gram matrix (Eq. 3) is a "
            "plain sum; the 1/(4 N_l² M_l²) of the style loss (Eq. 4) does the normalising",
            lambda F: gram_matrix(F, normalize="positions"),
        ),
        (
            "you divided by N_l·M_l (the PyTorch tutorial's convention): the paper's Gram matrix "
            "(Eq. 3) is a plain sum; the 1/(4 N_l² M_l²) of the style loss (Eq. 4) does the normalising",
            lambda F: gram_matrix(F, normalize="elements"),
        ),
        (
            "you multiplied F by itself without a transpose: G = F Fᵀ, i.e. f @ f.transpose(1, 2)",
            lambda F: flat(F) @ flat(F),
        ),
        (
            "you computed Fᵀ F (positions × positions): the Gram matrix is F Fᵀ (filters × filters)",
            lambda F: flat(F).transpose(1, 2) @ flat(F),
        ),
        (
            "you reshaped to [B, H·W, N]: that mixes filters and positions; flatten only the last two "
            "dimensions, F.reshape(B, N, H * W)",
            lambda F: (lambda f: f.transpose(1, 2) @ f)(F.reshape(F.shape[0], -1, F.shape[1])),
        ),
    ]
    # A missing transpose fails on the first probe (N != M) and runs on the second (N = M = 4).
    for seed, shape in ((3, (2, 3, 4, 5)), (2, (2, 4, 2, 2))):
        F = _responses(seed, shape)
        b, n, m = shape[0], shape[1], shape[2] * shape[3]
        got = _call(feedback, fn, F)
        if feedback.problem:
            if "shape" in feedback.problem or "size" in feedback.problem:
                feedback.problem += (
                    " — the shapes do not fit: did you forget a transpose? "
                    "G = F Fᵀ multiplies [N, M] by [M, N]"
                )
            return feedback.report()
        if not isinstance(got, torch.Tensor):
            _compare(feedback, got, gram_matrix(F), "your Gram matrix")
            return feedback.report()
        if tuple(got.shape) == (n, n):
            feedback.fail(
                f"your Gram matrix has shape {list(got.shape)}: keep the batch dimension, "
                "[B, N, N] with one Gram matrix per image"
            )
        elif tuple(got.shape) == (b * n, b * n):
            feedback.fail(
                f"your Gram matrix has shape {list(got.shape)}: you folded the batch into the filters; "
                "flatten to [B, N, H * W], not [B * N, H * W]"
            )
        elif tuple(got.shape) == (b, m, m) and m != n:
            feedback.fail(
                f"your Gram matrix has shape {list(got.shape)}: you computed Fᵀ F (positions × positions); "
                "the Gram matrix is F Fᵀ (filters × filters)"
            )
        elif not _recognise(feedback, got, mistakes, F):
            _compare(feedback, got, gram_matrix(F), "your Gram matrix")
        if feedback.problem:
            return feedback.report()
    return feedback.report()


# long: one ordered chain of diagnoses, each naming one mistake
def check_style_loss(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(F, A)`` against Eq. 4, :math:`E_l = \frac{1}{4N_l^2M_l^2}\sum_{ij}(G_{ij} - A_{ij})^2`.

    ``F`` is the generated images' responses ``[B, N, H, W]`` (so :math:`M_l = HW`), ``A`` the
    style image's Gram matrix ``[1, N, N]``; the answer is one differentiable number, summed over
    the batch like :func:`helpers.style_loss`. Probed with ``B = 1`` and then ``B = 2``, so that a
    batch folded into the filters or the positions is named.
    """

    feedback = Feedback("style_loss")

    def denominator(F: torch.Tensor) -> float:
        n, m = F.shape[1], F.shape[2] * F.shape[3]
        return 4.0 * n**2 * m**2

    def squared(F: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        return (gram_matrix(F) - A).pow(2)

    def n_m(F: torch.Tensor) -> tuple[int, int]:
        return F.shape[1], F.shape[2] * F.shape[3]

    mistakes: list[Mistake] = [
        (
            "you left out the 1/(4 N_l² M_l²) in front of the sum",
            lambda F, A: squared(F, A).sum(),
        ),
        (
            "the 4 is missing: Eq. 4 divides by 4 N_l² M_l²",
            lambda F, A: squared(F, A).sum() / (denominator(F) / 4),
        ),
        (
            "you divided by 4 N_l M_l: in Eq. 4 both N_l and M_l are squared",
            lambda F, A: squared(F, A).sum() / (4 * n_m(F)[0] * n_m(F)[1]),
        ),
        (
            "you averaged (.mean()) over the N_l² entries instead of summing them",
            lambda F, A: squared(F, A).mean() / denominator(F),
        ),
        (
            "that is the mean squared error of the Gram matrices (F.mse_loss(G, A), the PyTorch "
            "tutorial's loss): Eq. 4 sums the squared differences and divides by 4 N_l² M_l²",
            lambda F, A: squared(F, A).mean(),
        ),
        (
            "you normalised your Gram matrix (divided by M_l) but A is the plain sum of Eq. 3: "
            "use the unnormalised G, the 1/(4 N_l² M_l²) does the normalising",
            lambda F, A: (gram_matrix(F, "positions") - A).pow(2).sum() / denominator(F),
        ),
        (
            "you normalised your Gram matrix (divided by N_l M_l) but A is the plain sum of Eq. 3: "
            "use the unnormalised G, the 1/(4 N_l² M_l²) does the normalising",
            lambda F, A: (gram_matrix(F, "elements") - A).pow(2).sum() / denominator(F),
        ),
        (
            "you did not square the differences G - A",
            lambda F, A: (gram_matrix(F) - A).sum() / denominator(F),
        ),
        (
            "you did not square the differences G - A",
            lambda F, A: (gram_matrix(F) - A).abs().sum() / denominator(F),
        ),
        (
            "you folded the batch into the positions (F.reshape(N, -1)): that adds up the Gram "
            "matrices of the images in the batch; flatten to [B, N, H * W] so that each image gets "
            "its own Gram matrix",
            lambda F, A: (
                (gram_matrix(F.transpose(0, 1).reshape(1, F.shape[1], -1)) - A).pow(2).sum() / denominator(F)
            ),
        ),
        (
            "you folded the batch into the positions (F.reshape(N, -1)): that mixes the images of "
            "the batch; flatten to [B, N, H * W] so that each image gets its own Gram matrix",
            lambda F, A: (gram_matrix(F.reshape(1, F.shape[1], -1)) - A).pow(2).sum() / denominator(F),
        ),
        (
            "your loss uses only the first image of the batch: compute one Gram matrix per image, "
            "[B, N, N], and sum the squared differences over the whole batch",
            lambda F, A: style_loss(F[:1], A),
        ),
    ]
    # B = 1 twice (two shapes, N != M), then a batch of two images against one style target, as
    # when several images are styled at once: a batch folded into the filters shows only here.
    for seed, shape in ((4, (1, 3, 4, 5)), (5, (1, 5, 3, 6)), (6, (2, 3, 4, 5))):
        F = _responses(seed, shape).requires_grad_(True)
        A = gram_matrix(_responses(seed + 100, (1, *shape[1:])))
        got = _call(feedback, fn, F, A)
        if feedback.problem:
            if shape[0] > 1:  # the B = 1 probes passed: the batch is what breaks it
                feedback.problem = (
                    f"your function works for one image but fails for a batch of {shape[0]} "
                    f"({feedback.problem}): did you fold the batch into the filters, "
                    "F.reshape(-1, H * W) or F.reshape(N, H * W)? Flatten to [B, N, H * W] and "
                    "compute one Gram matrix per image, [B, N, N], as in the Gram matrix exercise"
                )
            elif "size" in feedback.problem or "shape" in feedback.problem:
                feedback.problem += (
                    " — the style loss compares Gram matrices: compute G from F ([B, N, N]) first"
                )
            return feedback.report()
        got = _one_number(feedback, got, "your style loss")
        if got is None:
            return feedback.report()
        expected = style_loss(F.detach(), A)
        if not torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-12):
            if not _recognise(feedback, got.detach(), mistakes, F.detach(), A):
                _compare(feedback, got.detach(), expected, "your style loss")
            return feedback.report()
        if not _differentiable(feedback, got, "your style loss"):
            return feedback.report()
        reference = F.detach().clone().requires_grad_(True)
        style_loss(reference, A).backward()
        got.backward()
        _compare(feedback, F.grad, reference.grad, "its gradient with respect to F (Eq. 6)", rtol=1e-3)
        if feedback.problem:
            return feedback.report()
    return feedback.report()
