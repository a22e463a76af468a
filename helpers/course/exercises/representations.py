"""Notebooks 04 and 05, beyond the losses themselves: the content gradient at the ReLU's input
(Eq. 2, read exactly), the uncentred cosine of two filters, and the style loss of one layer when
the style image and the generated image differ in size."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ...core.losses import content_loss, gram_matrix, style_loss
from .feedback import Feedback, Mistake, _call, _compare, _one_number, _recognise, _responses


def _matches(got: object, expected: torch.Tensor) -> bool:
    return (
        isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-6)
    )


def _pre_relu(seed: int, shape: tuple[int, ...]) -> torch.Tensor:
    """What a layer computes before its ReLU: about half the entries negative."""
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def relu_content_gradient(Z: torch.Tensor, P: torch.Tensor) -> torch.Tensor:
    r"""The gradient of Eq. 1 at the ReLU's input :math:`Z` (with :math:`F = \max(0, Z)`).

    .. math:: \frac{\partial \mathcal{L}_{content}}{\partial Z_{ij}} =
              \begin{cases} (F - P)_{ij} & Z_{ij} > 0 \\ 0 & Z_{ij} < 0 \end{cases}

    This is what the case split the paper prints for Eq. 2 describes: :math:`F` itself is never
    negative, and with respect to :math:`F` the gradient is :math:`F - P` everywhere.
    """
    F = torch.relu(Z)
    return torch.where(Z > 0, F - P, torch.zeros_like(F))


def check_relu_content_gradient(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(Z, P)`` -> :math:`\partial\mathcal{L}_{content}/\partial Z`, Eq. 2 at the ReLU's input.

    ``Z`` is what a layer computes before its ReLU, ``[B, N, H, W]`` (some entries negative); the
    response is :math:`F = \max(0, Z)` and ``P`` the photo's response (non-negative). The answer
    has ``Z``'s shape and equals what autograd gives for ``content_loss(relu(Z), P)``.
    """
    feedback = Feedback("relu_content_gradient")
    mistakes: list[Mistake] = [
        (
            "that is the gradient with respect to F, F - P everywhere: the ReLU passes nothing back "
            "where its input Z is negative, so the gradient at Z is zero there",
            lambda Z, P: torch.relu(Z) - P,
        ),
        (
            "you used Z in place of F where Z < 0: Z - P everywhere is the gradient without a ReLU; "
            "the loss compares F = relu(Z) with P, and the ReLU blocks the gradient where Z < 0",
            lambda Z, P: Z - P,
        ),
        (
            "the sign is flipped: the derivative of 1/2 (F - P)² with respect to F is F - P, not P - F",
            lambda Z, P: -relu_content_gradient(Z, P),
        ),
        (
            "the sign is flipped (the derivative of 1/2 (F - P)² is F - P, not P - F), and the ReLU "
            "passes nothing back where Z < 0, so the gradient at Z is zero there",
            lambda Z, P: P - torch.relu(Z),
        ),
        (
            "your gradient is twice Eq. 2: the 1/2 in Eq. 1 cancels the 2 of the square",
            lambda Z, P: 2 * relu_content_gradient(Z, P),
        ),
        (
            "your gate is the wrong way round: the ReLU passes the gradient where Z > 0 and blocks it "
            "where Z < 0",
            lambda Z, P: torch.where(Z < 0, torch.relu(Z) - P, torch.zeros_like(Z)),
        ),
        (
            "you gated on the target P: what blocks the gradient is the generated image's own ReLU, "
            "so the condition is on Z (equivalently F > 0), not on P",
            lambda Z, P: torch.where(P > 0, torch.relu(Z) - P, torch.zeros_like(Z)),
        ),
        (
            "you gated the loss's value, not its gradient: inside the case Z > 0 the gradient is "
            "F - P, not (F - P)²/2",
            lambda Z, P: torch.where(Z > 0, 0.5 * (torch.relu(Z) - P) ** 2, torch.zeros_like(Z)),
        ),
    ]
    for seed, shape in ((7, (1, 3, 4, 5)), (8, (2, 4, 3, 3))):
        Z = _pre_relu(seed, shape)
        P = _responses(seed + 100, shape)
        got = _call(feedback, fn, Z.clone(), P.clone())
        if feedback.problem:
            return feedback.report()
        if isinstance(got, torch.Tensor) and got.numel() == 1 and Z.numel() > 1:
            feedback.fail(
                "you returned one number (the loss?): return the gradient, one entry per entry of Z"
            )
            return feedback.report()
        # The reference is autograd itself, not a formula: Eq. 2 is what backpropagation computes.
        z = Z.clone().requires_grad_(True)
        content_loss(torch.relu(z), P).backward()
        expected = z.grad
        if not _matches(got, expected) and not (
            isinstance(got, torch.Tensor) and _recognise(feedback, got.detach(), mistakes, Z, P)
        ):
            _compare(feedback, got, expected, "your gradient")
        if feedback.problem:
            return feedback.report()
    return feedback.report()


def cosine_matrix(features: torch.Tensor) -> torch.Tensor:
    r""":math:`C_{ij} = G_{ij} / \sqrt{G_{ii} G_{jj}}`: the uncentred cosine of filters i and j.

    Shape ``[B, N, N]``. The cosine of the angle between rows i and j of :math:`F` (no means
    subtracted, so not a correlation). Responses after a ReLU are non-negative, so every entry
    lies in [0, 1].
    """
    gram = gram_matrix(features)
    norms = gram.diagonal(dim1=1, dim2=2).sqrt()
    return gram / (norms.unsqueeze(2) * norms.unsqueeze(1))


def _pearson(features: torch.Tensor) -> torch.Tensor:
    """The (centred) correlation of the filters over positions, ``[B, N, N]``."""
    f = features.flatten(2).double()
    f = f - f.mean(dim=2, keepdim=True)
    return cosine_matrix(f)


def check_cosine_matrix(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(F)`` -> :math:`C_{ij} = G_{ij}/\sqrt{G_{ii}G_{jj}}` for responses ``[B, N, H, W]``.

    The answer is ``[B, N, N]``: one matrix per image, ones on the diagonal. The probes have no
    silent filter (every :math:`G_{ii} > 0`).
    """
    feedback = Feedback("cosine_matrix")

    def gram(F: torch.Tensor) -> torch.Tensor:
        return gram_matrix(F)

    def diag(F: torch.Tensor) -> torch.Tensor:
        return gram(F).diagonal(dim1=1, dim2=2)

    mistakes: list[Mistake] = [
        (
            "that is the Gram matrix itself: divide each entry by sqrt(G_ii · G_jj)",
            gram,
        ),
        (
            "you divided by G_ii · G_jj without the square root: the cosine divides by the two rows' "
            "lengths, sqrt(G_ii) · sqrt(G_jj)",
            lambda F: gram(F) / (diag(F).unsqueeze(2) * diag(F).unsqueeze(1)),
        ),
        (
            "you divided by the diagonal on one side only (G_ij / G_ii): divide by sqrt(G_ii · G_jj), "
            "which keeps the matrix symmetric",
            lambda F: gram(F) / diag(F).unsqueeze(2),
        ),
        (
            "you divided by the diagonal on one side only (G_ij / G_jj): divide by sqrt(G_ii · G_jj), "
            "which keeps the matrix symmetric",
            lambda F: gram(F) / diag(F).unsqueeze(1),
        ),
        (
            "that is the Pearson correlation (means subtracted, torch.corrcoef): the matrix asked for "
            "is the uncentred cosine, made from the plain Gram matrix of Eq. 3",
            _pearson,
        ),
        (
            "you divided the Gram matrix by M_l (a mean over positions): the cosine needs no M_l, the "
            "division by sqrt(G_ii · G_jj) already removes the scale",
            lambda F: gram_matrix(F, normalize="positions"),
        ),
    ]
    for seed, shape in ((9, (2, 3, 4, 5)), (10, (1, 5, 3, 3))):
        F = _responses(seed, shape)
        F[:, :, 0, 0] = 1.0  # every filter fires somewhere: no zero row, no 0/0
        got = _call(feedback, fn, F.clone())
        if feedback.problem:
            return feedback.report()
        b, n = shape[0], shape[1]
        expected = cosine_matrix(F)
        if isinstance(got, torch.Tensor) and tuple(got.shape) == (n, n) and b == 1:
            got = got.unsqueeze(0)  # one image: [N, N] is fine
        if isinstance(got, torch.Tensor) and tuple(got.shape) == (n, n):
            feedback.fail(
                f"your matrix has shape {list(got.shape)}: keep the batch dimension, [B, N, N], one "
                "matrix per image (flatten to [B, N, H * W])"
            )
        elif isinstance(got, torch.Tensor) and tuple(got.shape) == (b * n, b * n):
            feedback.fail(
                f"your matrix has shape {list(got.shape)}: you folded the batch into the filters; "
                "flatten to [B, N, H * W], not [B * N, H * W]"
            )
        elif isinstance(got, torch.Tensor) and got.shape == expected.shape and torch.isnan(got).any():
            feedback.fail("your matrix contains NaN: divide by sqrt(G_ii · G_jj), which is never zero here")
        elif not _matches(got, expected) and not (
            isinstance(got, torch.Tensor) and _recognise(feedback, got.detach(), mistakes, F)
        ):
            _compare(feedback, got, expected, "your cosine matrix")
        if feedback.problem:
            return feedback.report()
    return feedback.report()


def rescaled_style_loss(F: torch.Tensor, A: torch.Tensor, M_style: int) -> torch.Tensor:
    r""":math:`E_l` (Eq. 4) against a style image of another size: the target times :math:`M_l/M^{style}_l`.

    .. math:: E_l = \frac{1}{4N_l^2M_l^2}\sum_{ij}\Big(G^l_{ij} - \frac{M_l}{M^{style}_l}A^l_{ij}\Big)^2

    ``A`` is the plain Gram matrix of the style image (a sum over its ``M_style`` positions), ``F``
    the generated image's responses with :math:`M_l = HW` positions. This is the package's
    convention (the paper does not say what it did when the sizes differ).
    """
    m = F.shape[2] * F.shape[3]
    return style_loss(F, A * (m / M_style))


# long: a table of named mistakes, then the probe at two sizes
def check_rescaled_style_loss(fn: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]) -> bool:
    r"""Check ``fn(F, A, M_style)`` -> :math:`E_l` with the style target rescaled to the output's size.

    ``F`` is ``[1, N, H, W]`` (so :math:`M_l = HW`), ``A`` the style image's plain Gram matrix
    ``[1, N, N]``, summed over ``M_style`` positions (never equal to :math:`M_l` in the probes).
    The answer is one differentiable number equal to :func:`rescaled_style_loss`.
    """
    feedback = Feedback("rescaled_style_loss")

    def n_m(F: torch.Tensor) -> tuple[int, int]:
        return F.shape[1], F.shape[2] * F.shape[3]

    def e_l(F: torch.Tensor, target: torch.Tensor, m_denominator: float) -> torch.Tensor:
        n = F.shape[1]
        return (gram_matrix(F) - target).pow(2).sum() / (4.0 * n**2 * m_denominator**2)

    mistakes: list[Mistake] = [
        (
            "you compared G with A as it is (plain Eq. 4): A sums over the style image's M_style "
            "positions and G over the output's M_l, so rescale the target, A · M_l / M_style",
            lambda F, A, ms: style_loss(F, A),
        ),
        (
            "you rescaled the wrong way round (A · M_style / M_l): A is a sum over M_style positions; "
            "to stand for a sum over M_l positions it becomes A · M_l / M_style",
            lambda F, A, ms: style_loss(F, A * (ms / n_m(F)[1])),
        ),
        (
            "you scaled by the ratio of the image sides (sqrt(M_l / M_style)): Gram matrices are sums "
            "over positions, and the number of positions is the area, so the factor is M_l / M_style",
            lambda F, A, ms: style_loss(F, A * (n_m(F)[1] / ms) ** 0.5),
        ),
        (
            "you rescaled the target but put M_style in the 1/(4 N_l² M_l²): after rescaling, both "
            "Gram matrices are sums over the output's M_l positions, so Eq. 4 divides by M_l²",
            lambda F, A, ms: e_l(F, A * (n_m(F)[1] / ms), ms),
        ),
        (
            "you rescaled G (G · M_style / M_l) instead of the target: that compares the right things "
            "but on the style image's scale, so the loss comes out (M_style / M_l)² times too large or "
            "small; rescale A, or divide each Gram matrix by its own number of positions",
            lambda F, A, ms: (
                (gram_matrix(F) * (ms / n_m(F)[1]) - A).pow(2).sum() / (4.0 * n_m(F)[0] ** 2 * n_m(F)[1] ** 2)
            ),
        ),
        (
            "you left out the 1/(4 N_l² M_l²) in front of the sum",
            lambda F, A, ms: (gram_matrix(F) - A * (n_m(F)[1] / ms)).pow(2).sum(),
        ),
        (
            "you compared the Gram matrices as means over positions (G / M_l and A / M_style) — right "
            "idea — but kept 1/(4 N_l² M_l²): with means, the M_l² has already been divided out, so "
            "divide by 4 N_l² only",
            lambda F, A, ms: (
                (gram_matrix(F) / n_m(F)[1] - A / ms).pow(2).sum() / (4.0 * n_m(F)[0] ** 2 * n_m(F)[1] ** 2)
            ),
        ),
    ]
    for seed, shape, style_shape in ((11, (1, 3, 4, 5), (1, 3, 8, 10)), (12, (1, 4, 6, 6), (1, 4, 3, 4))):
        F = _responses(seed, shape).requires_grad_(True)
        style_features = _responses(seed + 100, style_shape)
        A = gram_matrix(style_features)
        m_style = style_shape[2] * style_shape[3]
        got = _one_number(feedback, _call(feedback, fn, F, A.clone(), m_style), "your style loss")
        if got is None:
            return feedback.report()
        expected = rescaled_style_loss(F.detach(), A, m_style)
        if not torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-12):
            if not _recognise(feedback, got.detach(), mistakes, F.detach(), A, m_style):
                _compare(feedback, got.detach(), expected, "your style loss")
            return feedback.report()
        if not got.requires_grad:
            feedback.fail(
                "your style loss has the right value but no gradient: keep to torch operations "
                "(no .item(), .detach() or numpy) so that autograd can follow it"
            )
            return feedback.report()
        reference = F.detach().clone().requires_grad_(True)
        rescaled_style_loss(reference, A, m_style).backward()
        got.backward()
        _compare(feedback, F.grad, reference.grad, "its gradient with respect to F", rtol=1e-3)
        if feedback.problem:
            return feedback.report()
    return feedback.report()
