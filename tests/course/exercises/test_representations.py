"""The new checks of notebooks 04 and 05 accept the right answer and name each plausible mistake:
Eq. 2 at the ReLU's input, the uncentred cosine matrix, the style loss across image sizes."""

from __future__ import annotations

import pytest
import torch

from helpers import exercises
from helpers.core.losses import content_loss, gram_matrix, style_loss
from helpers.course.exercises.representations import cosine_matrix, relu_content_gradient, rescaled_style_loss


def _verdict(check, fn, capsys) -> tuple[bool, str]:
    ok = check(fn)
    return ok, capsys.readouterr().out.strip()


def _flat(F):
    return F.reshape(F.shape[0], F.shape[1], -1)


# --- check_relu_content_gradient -------------------------------------------------------------------


def test_relu_gradient_reference_is_what_autograd_computes():
    Z = torch.randn(2, 3, 4, 4, requires_grad=True)
    P = torch.rand(2, 3, 4, 4)
    content_loss(torch.relu(Z), P).backward()
    assert torch.equal(relu_content_gradient(Z.detach(), P), Z.grad)
    assert (Z.grad[Z < 0] == 0).all() and (torch.relu(Z) - P)[Z < 0].abs().sum() > 0


def _autograd_answer(Z, P):
    z = Z.clone().requires_grad_(True)
    content_loss(torch.relu(z), P).backward()
    return z.grad


@pytest.mark.parametrize(
    "answer",
    [
        relu_content_gradient,
        _autograd_answer,
        lambda Z, P: torch.where(Z > 0, torch.relu(Z) - P, torch.zeros_like(Z)),
        lambda Z, P: (torch.relu(Z) - P) * (Z > 0),  # the paper's split read on F > 0: the same gate
        lambda Z, P: (torch.relu(Z) - P) * (torch.relu(Z) > 0).float(),
    ],
)
def test_relu_gradient_check_accepts_right_answers(answer, capsys):
    assert _verdict(exercises.check_relu_content_gradient, answer, capsys) == (
        True,
        "✓ relu_content_gradient: correct",
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda Z, P: torch.relu(Z) - P, "gradient with respect to F, F - P everywhere"),
        (lambda Z, P: Z - P, "gradient without a ReLU"),
        (lambda Z, P: P - torch.relu(Z), "sign is flipped"),
        (lambda Z, P: 2 * (torch.relu(Z) - P) * (Z > 0), "twice Eq. 2"),
        (lambda Z, P: (torch.relu(Z) - P) * (Z < 0), "gate is the wrong way round"),
        (lambda Z, P: (torch.relu(Z) - P) * (P > 0), "gated on the target P"),
        (lambda Z, P: 0.5 * (torch.relu(Z) - P) ** 2 * (Z > 0), "gated the loss's value"),
        (lambda Z, P: content_loss(torch.relu(Z), P), "returned one number"),
        (lambda Z, P: None, "did you forget `return`?"),
        (lambda Z, P: (torch.relu(Z) - P)[0], "has shape"),
        (lambda Z, P: 3 * (torch.relu(Z) - P) * (Z > 0), "wrong values (sum ratio 3"),
        (lambda Z, P: Z.undefined, "raised AttributeError"),
    ],
)
def test_relu_gradient_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_relu_content_gradient, answer, capsys)
    assert not ok
    assert out.startswith("✗ relu_content_gradient:") and message in out


# --- check_cosine_matrix ---------------------------------------------------------------------------


def test_cosine_reference_is_the_cosine_of_the_rows():
    F = torch.rand(1, 4, 3, 3)
    f = F.reshape(4, 9)
    C = cosine_matrix(F)[0]
    assert torch.allclose(C[1, 2], torch.nn.functional.cosine_similarity(f[1], f[2], dim=0))
    assert torch.allclose(C.diagonal(), torch.ones(4))
    assert (C >= 0).all() and (C <= 1 + 1e-6).all()  # non-negative responses


def _hand_cosine(F):
    G = _flat(F) @ _flat(F).transpose(1, 2)
    d = G.diagonal(dim1=1, dim2=2).sqrt()
    return G / (d[:, :, None] * d[:, None, :])


@pytest.mark.parametrize(
    "answer",
    [
        cosine_matrix,
        _hand_cosine,
        lambda F: (lambda f: f @ f.transpose(1, 2))(torch.nn.functional.normalize(_flat(F), dim=2)),
        lambda F: (
            gram_matrix(F, "positions")
            / (lambda d: d[:, :, None] * d[:, None, :])(
                gram_matrix(F, "positions").diagonal(dim1=1, dim2=2).sqrt()
            )
        ),  # any normalisation of G cancels
    ],
)
def test_cosine_check_accepts_right_answers(answer, capsys):
    assert _verdict(exercises.check_cosine_matrix, answer, capsys) == (True, "✓ cosine_matrix: correct")


def _no_sqrt(F):
    G = gram_matrix(F)
    d = G.diagonal(dim1=1, dim2=2)
    return G / (d[:, :, None] * d[:, None, :])


def _pearson(F):
    return torch.stack([torch.corrcoef(f) for f in _flat(F)])


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (gram_matrix, "that is the Gram matrix itself"),
        (_no_sqrt, "without the square root"),
        (lambda F: gram_matrix(F) / gram_matrix(F).diagonal(dim1=1, dim2=2)[:, :, None], "G_ij / G_ii"),
        (lambda F: gram_matrix(F) / gram_matrix(F).diagonal(dim1=1, dim2=2)[:, None, :], "G_ij / G_jj"),
        (_pearson, "Pearson correlation"),
        (lambda F: gram_matrix(F, "positions"), "divided the Gram matrix by M_l"),
        (lambda F: _hand_cosine(F)[0], "keep the batch dimension"),
        (
            lambda F: (lambda f: (f @ f.T) / (f.norm(dim=1)[:, None] * f.norm(dim=1)[None, :]))(
                F.reshape(-1, F.shape[2] * F.shape[3])
            ),
            "folded the batch into the filters",
        ),
        (lambda F: _hand_cosine(F) * float("nan"), "contains NaN"),
        (lambda F: 0.9 * _hand_cosine(F), "wrong values"),
        (lambda F: "C", "should be a torch.Tensor"),
    ],
)
def test_cosine_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_cosine_matrix, answer, capsys)
    assert not ok
    assert out.startswith("✗ cosine_matrix:") and message in out


# --- check_rescaled_style_loss ---------------------------------------------------------------------


def test_rescaled_loss_is_plain_eq4_when_the_sizes_agree_and_zero_for_the_same_texture():
    F = torch.rand(1, 3, 4, 5)
    A = gram_matrix(torch.rand(1, 3, 4, 5))
    assert torch.allclose(rescaled_style_loss(F, A, 20), style_loss(F, A))
    # A texture twice as wide has a Gram matrix twice as large; rescaled, it matches exactly.
    twice = torch.cat([F, F], dim=3)
    assert rescaled_style_loss(F, gram_matrix(twice), 40) < 1e-12
    assert style_loss(F, gram_matrix(twice)) > 1e-3


def _hand_rescaled(F, A, M_style):
    N, M = F.shape[1], F.shape[2] * F.shape[3]
    G = gram_matrix(F)
    return ((G - A * M / M_style) ** 2).sum() / (4 * N**2 * M**2)


def _means(F, A, M_style):
    N, M = F.shape[1], F.shape[2] * F.shape[3]
    return ((gram_matrix(F) / M - A / M_style) ** 2).sum() / (4 * N**2)


@pytest.mark.parametrize("answer", [rescaled_style_loss, _hand_rescaled, _means])
def test_rescaled_check_accepts_right_answers(answer, capsys):
    assert _verdict(exercises.check_rescaled_style_loss, answer, capsys) == (
        True,
        "✓ rescaled_style_loss: correct",
    )


def _nm(F):
    return F.shape[1], F.shape[2] * F.shape[3]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda F, A, ms: style_loss(F, A), "plain Eq. 4"),
        (lambda F, A, ms: style_loss(F, A * ms / _nm(F)[1]), "wrong way round"),
        (lambda F, A, ms: style_loss(F, A * (_nm(F)[1] / ms) ** 0.5), "ratio of the image sides"),
        (
            lambda F, A, ms: (
                ((gram_matrix(F) - A * _nm(F)[1] / ms) ** 2).sum() / (4 * _nm(F)[0] ** 2 * ms**2)
            ),
            "put M_style in the 1/(4 N_l² M_l²)",
        ),
        (
            lambda F, A, ms: (
                ((gram_matrix(F) * ms / _nm(F)[1] - A) ** 2).sum() / (4 * _nm(F)[0] ** 2 * _nm(F)[1] ** 2)
            ),
            "rescaled G",
        ),
        (lambda F, A, ms: ((gram_matrix(F) - A * _nm(F)[1] / ms) ** 2).sum(), "left out the 1/(4 N_l² M_l²)"),
        (
            lambda F, A, ms: _means(F, A, ms) / _nm(F)[1] ** 2,
            "divide by 4 N_l² only",
        ),
        (lambda F, A, ms: rescaled_style_loss(F.detach(), A, ms), "no gradient"),
        (lambda F, A, ms: rescaled_style_loss(F, A, ms).item(), "did you call .item()?"),
        (lambda F, A, ms: 2 * rescaled_style_loss(F, A, ms), "wrong values (sum ratio 2"),
    ],
)
def test_rescaled_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_rescaled_style_loss, answer, capsys)
    assert not ok
    assert out.startswith("✗ rescaled_style_loss:") and message in out
