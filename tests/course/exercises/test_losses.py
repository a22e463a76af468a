"""The exercise checks of notebooks 04 and 05 accept the paper's losses and name each usual mistake."""

from __future__ import annotations

import pytest
import torch

from helpers import exercises
from helpers.core.losses import content_loss, gram_matrix, style_loss


def _verdict(check, fn, capsys) -> tuple[bool, str]:
    ok = check(fn)
    return ok, capsys.readouterr().out.strip()


def _flat(F):
    return F.reshape(F.shape[0], F.shape[1], -1)


# --- check_content_loss ----------------------------------------------------------------------------


def test_content_check_accepts_the_package_and_a_hand_written_answer(capsys):
    assert _verdict(exercises.check_content_loss, content_loss, capsys) == (True, "✓ content_loss: correct")
    ok, _ = _verdict(exercises.check_content_loss, lambda F, P: 0.5 * ((F - P) ** 2).sum(), capsys)
    assert ok


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda F, P: ((F - P) ** 2).sum(), "forgot the 1/2"),
        (lambda F, P: 0.5 * ((F - P) ** 2).mean(), "averaged (.mean()) instead of summing"),
        (lambda F, P: torch.nn.functional.mse_loss(F, P), "the 1/2 is missing"),
        (lambda F, P: 0.5 * (F**2 - P**2).sum(), "squared F and P separately"),
        (lambda F, P: 0.5 * (F - P).sum() ** 2, "squared the sum of the differences"),
        (lambda F, P: 0.5 * torch.linalg.vector_norm(F - P), "uses its square"),
        (lambda F, P: 0.5 * (F - P).abs().sum(), "did not square"),
        (lambda F, P: 0.5 * ((F - P) ** 2), "did you forget .sum()?"),
        (lambda F, P: 0.5 * ((F - P) ** 2).sum().item(), "did you call .item()?"),
        (lambda F, P: 0.5 * ((F.detach() - P) ** 2).sum(), "no gradient"),
        (lambda F, P: None, "did you forget `return`?"),
        (lambda F, P: F.nonexistent, "your function raised AttributeError"),
    ],
)
def test_content_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_content_loss, answer, capsys)
    assert not ok
    assert out.startswith("✗ content_loss:") and message in out


def test_content_check_checks_the_gradient(capsys):
    class Wrong(torch.autograd.Function):  # the right value with a wrong backward pass
        @staticmethod
        def forward(ctx, F, P):
            ctx.save_for_backward(F)
            return content_loss(F, P)

        @staticmethod
        def backward(ctx, grad):
            (F,) = ctx.saved_tensors
            return torch.zeros_like(F), None

    ok, out = _verdict(exercises.check_content_loss, Wrong.apply, capsys)
    assert not ok and "gradient" in out and "F - P" in out


# --- check_gram_matrix -----------------------------------------------------------------------------


def test_gram_check_accepts_the_package_and_a_hand_written_answer(capsys):
    assert _verdict(exercises.check_gram_matrix, gram_matrix, capsys) == (True, "✓ gram_matrix: correct")
    ok, _ = _verdict(exercises.check_gram_matrix, lambda F: _flat(F) @ _flat(F).transpose(1, 2), capsys)
    assert ok


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda F: _flat(F) @ _flat(F), "forget a transpose"),
        (
            lambda F: _flat(F) @ _flat(F) if F.shape[1] == F.shape[2] * F.shape[3] else gram_matrix(F),
            "without a transpose",
        ),
        (lambda F: torch.bmm(_flat(F), _flat(F)) if F.shape[1] == 3 else gram_matrix(F), "shapes do not fit"),
        (lambda F: gram_matrix(F) / (F.shape[2] * F.shape[3]), "divided by M_l"),
        (lambda F: gram_matrix(F) / F[0].numel(), "divided by N_l·M_l"),
        (lambda F: F.reshape(F.shape[1], -1) @ F.reshape(F.shape[1], -1).T, "keep the batch dimension"),
        (lambda F: gram_matrix(F)[0], "keep the batch dimension"),
        (
            lambda F: F.reshape(-1, F.shape[2] * F.shape[3]) @ F.reshape(-1, F.shape[2] * F.shape[3]).T,
            "folded the batch",
        ),
        (
            lambda F: _flat(F).transpose(1, 2) @ _flat(F) if F.shape[1] == 3 else gram_matrix(F),
            "positions × positions",
        ),
        (lambda F: (lambda f: f.transpose(1, 2) @ f)(F.reshape(F.shape[0], -1, F.shape[1])), "[B, H·W, N]"),
        (lambda F: [[1.0]], "should be a torch.Tensor"),
    ],
)
def test_gram_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_gram_matrix, answer, capsys)
    assert not ok
    assert out.startswith("✗ gram_matrix:") and message in out


# --- check_style_loss ------------------------------------------------------------------------------


def _mse_gram(F, A):
    return torch.nn.functional.mse_loss(gram_matrix(F), A)


def _nm(F):
    return F.shape[1], F.shape[2] * F.shape[3]


def test_style_check_accepts_the_package_and_a_hand_written_answer(capsys):
    assert _verdict(exercises.check_style_loss, style_loss, capsys) == (True, "✓ style_loss: correct")

    def mine(F, A):
        b, n, m = F.shape[0], F.shape[1], F.shape[2] * F.shape[3]
        f = F.reshape(b, n, m)
        return ((f @ f.transpose(1, 2) - A) ** 2).sum() / (4 * n**2 * m**2)

    assert _verdict(exercises.check_style_loss, mine, capsys)[0]


def _folded_into_filters(F, A):
    """Right for one image; a batch becomes [B * N, M] rows and G [B * N, B * N]."""
    n, m = F.shape[1], F.shape[2] * F.shape[3]
    f = F.reshape(-1, m)
    return ((f @ f.T - A) ** 2).sum() / (4 * n**2 * m**2)


def _reshaped_to_one_image(F, A):
    """Right for one image: F.reshape(N, M) (the version that only ever saw B = 1)."""
    n, m = F.shape[1], F.shape[2] * F.shape[3]
    f = F.reshape(n, m)
    return ((f @ f.T - A) ** 2).sum() / (4 * n**2 * m**2)


def _folded_into_positions(F, A):
    """Right for one image; a batch becomes [N, B * M] and the images' Gram matrices mix."""
    n, m = F.shape[1], F.shape[2] * F.shape[3]
    f = F.reshape(n, -1)
    return ((f @ f.T - A) ** 2).sum() / (4 * n**2 * m**2)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_folded_into_filters, "fold the batch into the filters"),
        (_reshaped_to_one_image, "works for one image but fails for a batch of 2"),
        (_folded_into_positions, "folded the batch into the positions"),
        (lambda F, A: style_loss(F[:1], A), "only the first image of the batch"),
    ],
)
def test_style_check_probes_a_batch_of_two(answer, message, capsys):
    # Each of these is right for B = 1: only the batch probe can tell.
    one = torch.rand(1, 3, 4, 5)
    A = gram_matrix(torch.rand(1, 3, 4, 5))
    assert torch.allclose(answer(one, A), style_loss(one, A))
    ok, out = _verdict(exercises.check_style_loss, answer, capsys)
    assert not ok
    assert out.startswith("✗ style_loss:") and message in out


def _sq(F, A, normalize=None):
    """(G - A)^2 entry by entry, G the (optionally normalised) Gram matrix of F."""
    return (gram_matrix(F, normalize) - A) ** 2


def _four_n2_m2(F):
    n, m = _nm(F)
    return 4 * n**2 * m**2


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda F, A: _sq(F, A).sum(), "left out the 1/(4 N_l² M_l²)"),
        (lambda F, A: _sq(F, A).sum() / (_four_n2_m2(F) / 4), "the 4 is missing"),
        (lambda F, A: _sq(F, A).sum() / (4 * _nm(F)[0] * _nm(F)[1]), "both N_l and M_l are squared"),
        (lambda F, A: _sq(F, A).mean() / _four_n2_m2(F), "averaged"),
        (_mse_gram, "mean squared error of the Gram matrices"),
        (lambda F, A: _sq(F, A, "positions").sum() / _four_n2_m2(F), "divided by M_l"),
        (lambda F, A: _sq(F, A, "elements").sum() / _four_n2_m2(F), "divided by N_l M_l"),
        (lambda F, A: (gram_matrix(F) - A).abs().sum() / _four_n2_m2(F), "did not square"),
        (lambda F, A: ((F - A) ** 2).sum(), "compares Gram matrices"),
        (lambda F, A: _sq(F, A), "did you forget .sum()?"),
        (lambda F, A: style_loss(F.detach(), A), "no gradient"),
    ],
)
def test_style_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_style_loss, answer, capsys)
    assert not ok
    assert out.startswith("✗ style_loss:") and message in out


def test_an_unknown_mistake_still_gets_a_useful_message(capsys):
    ok, out = _verdict(exercises.check_style_loss, lambda F, A: 3.7 * style_loss(F, A), capsys)
    assert not ok and "wrong values (sum ratio 3.7" in out
