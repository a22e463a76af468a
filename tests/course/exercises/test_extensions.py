"""The exercise checks of notebooks 09 and 10 accept the right answer and name each usual mistake."""

from __future__ import annotations

import pytest
import torch

from helpers import exercises
from helpers.core.losses import total_variation
from helpers.extensions.color import luminance, match_luminance


def _verdict(check, fn, capsys) -> tuple[bool, str]:
    ok = check(fn)
    return ok, capsys.readouterr().out.strip()


def _y(x):
    return 0.299 * x[:, :1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]


# --- check_match_luminance -------------------------------------------------------------------------


def _matched(s, c, *, unbiased=True):
    ls, lc = _y(s), _y(c)
    return (ls - ls.mean()) * (lc.std(unbiased=unbiased) / ls.std(unbiased=unbiased)) + lc.mean()


def test_luminance_check_accepts_the_package_and_hand_written_answers(capsys):
    assert _verdict(exercises.check_match_luminance, match_luminance, capsys) == (
        True,
        "✓ match_luminance: correct",
    )
    assert _verdict(exercises.check_match_luminance, _matched, capsys)[0]
    assert _verdict(exercises.check_match_luminance, lambda s, c: _matched(s, c, unbiased=False), capsys)[0]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda s, c: _y(s), "unchanged"),
        (lambda s, c: _y(s) - _y(s).mean() + _y(c).mean(), "matched the mean but not the contrast"),
        (
            lambda s, c: (_y(s) - _y(s).mean()) * (_y(c).var() / _y(s).var()) + _y(c).mean(),
            "ratio of the variances",
        ),
        (lambda s, c: (_y(s) - _y(s).mean()) * (_y(s).std() / _y(c).std()) + _y(c).mean(), "upside down"),
        (lambda s, c: _y(s) * (_y(c).std() / _y(s).std()) + _y(c).mean(), "subtract the style's mean"),
        (lambda s, c: (_y(s) - _y(s).mean()) * (_y(c).std() / _y(s).std()) + _y(s).mean(), "+ μ_C"),
        (lambda s, c: _matched(c, s), "swapped the roles"),
        (
            lambda s, c: (lambda ls, lc: (ls - ls.mean()) * lc.std() / ls.std() + lc.mean())(
                s.mean(1, keepdim=True), c.mean(1, keepdim=True)
            ),
            "0.299 R + 0.587 G + 0.114 B",
        ),
        (lambda s, c: _matched(s, c)[0], "has shape"),
        (lambda s, c: None, "did you forget `return`?"),
        (lambda s, c: s.nonexistent, "raised AttributeError"),
    ],
)
def test_luminance_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_match_luminance, answer, capsys)
    assert not ok
    assert out.startswith("✗ match_luminance:") and message in out


def test_luminance_is_the_y_of_yiq():
    x = torch.rand(1, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(luminance(x), _y(x), atol=1e-6)


# --- check_guided_gram -----------------------------------------------------------------------------


def _guided(F, m):
    """The authors' form: responses times the guide normalised to unit mean square, Gram over M."""
    f = F.flatten(2)
    g = m.flatten(2) / m.pow(2).mean().sqrt()
    return (f * g) @ (f * g).transpose(1, 2) / f.shape[2]


def _w(F, w):
    return (F.flatten(2) * w.flatten(2)) @ F.flatten(2).transpose(1, 2)


def test_guided_gram_check_accepts_the_authors_form(capsys):
    assert _verdict(exercises.check_guided_gram, _guided, capsys) == (True, "✓ guided_gram: correct")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda F, m: _w(F, torch.ones_like(m)) / m.numel(), "ignored the mask:"),
        (lambda F, m: _w(F, torch.ones_like(m)), "ignored the mask and did not normalise"),
        (lambda F, m: _w(F, m) / m.sum(), "weighted each position by m"),
        (lambda F, m: _w(F, m) / m.pow(2).sum(), "only one factor"),
        (lambda F, m: _w(F, m**2) / m.sum(), "instead of Σ m²"),
        (lambda F, m: _w(F, m**2) / m.numel(), "divided by M"),
        (lambda F, m: _w(F, m**2), "did not normalise"),
        (lambda F, m: _guided(F, m)[0], "has shape"),
    ],
)
def test_guided_gram_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_guided_gram, answer, capsys)
    assert not ok
    assert out.startswith("✗ guided_gram:") and message in out


# --- check_total_variation -------------------------------------------------------------------------


def _dy(x):
    return x[..., 1:, :] - x[..., :-1, :]


def _dx(x):
    return x[..., :, 1:] - x[..., :, :-1]


def _tv(x):
    return ((x[..., 1:, :] - x[..., :-1, :]) ** 2).sum() + ((x[..., :, 1:] - x[..., :, :-1]) ** 2).sum()


def test_tv_check_accepts_the_package_and_a_hand_written_answer(capsys):
    assert _verdict(exercises.check_total_variation, total_variation, capsys) == (
        True,
        "✓ total_variation: correct",
    )
    assert _verdict(exercises.check_total_variation, _tv, capsys)[0]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda x: _dy(x).abs().sum() + _dx(x).abs().sum(), "β = 1"),
        (
            lambda x: (
                ((x[..., 1:, :-1] - x[..., :-1, :-1]) ** 2 + (x[..., :-1, 1:] - x[..., :-1, :-1]) ** 2)
                .sqrt()
                .sum()
            ),
            "isotropic",
        ),
        (lambda x: (_dy(x) ** 2).mean() + (_dx(x) ** 2).mean(), ".mean()"),
        (lambda x: ((x[..., 1:, :] - x[..., :-1, :]) ** 2).sum(), "only the vertical"),
        (lambda x: ((x[..., 1:] - x[..., :-1]) ** 2).sum(), "only the horizontal"),
        (
            lambda x: ((x.roll(1, -2) - x) ** 2).sum() + ((x.roll(1, -1) - x) ** 2).sum(),
            "wrap around the border",
        ),
        (lambda x: ((x[:, 1:] - x[:, :-1]) ** 2).sum() + (_dx(x) ** 2).sum(), "colour channels"),
        (lambda x: _dy(x).sum() ** 2 + _dx(x).sum() ** 2, "squared the sum"),
        (lambda x: (x[..., 1:, :] - x[..., :-1, :]) ** 2, "did you forget .sum()?"),
        (lambda x: _tv(x).item(), "did you call .item()?"),
        (lambda x: _tv(x.detach()), "no gradient"),
    ],
)
def test_tv_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_total_variation, answer, capsys)
    assert not ok
    assert out.startswith("✗ total_variation:") and message in out


# --- check_blended_gram_target ---------------------------------------------------------------------


def _blend(grams, weights):
    total = sum(weights)
    return sum(w / total * g for w, g in zip(weights, grams))


def test_blend_check_accepts_a_normalised_weighted_sum(capsys):
    assert _verdict(exercises.check_blended_gram_target, _blend, capsys) == (
        True,
        "✓ blended_gram_target: correct",
    )
    einsum = lambda grams, w: torch.einsum("s,sbij->bij", torch.tensor(w) / sum(w), torch.stack(grams))  # noqa: E731
    assert _verdict(exercises.check_blended_gram_target, einsum, capsys)[0]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda grams, w: sum(v * g for v, g in zip(w, grams)), "did not normalise the weights"),
        (lambda grams, w: torch.stack(grams).mean(0), "ignored the weights"),
        (lambda grams, w: _blend(grams, w[::-1]), "wrong styles"),
        (lambda grams, w: torch.stack(grams).prod(0), "element by element"),
        (lambda grams, w: grams[0], "only the first style"),
        (lambda grams, w: _blend(grams, w)[0], "has shape"),
    ],
)
def test_blend_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_blended_gram_target, answer, capsys)
    assert not ok
    assert out.startswith("✗ blended_gram_target:") and message in out


def test_blending_the_targets_and_blending_the_losses_have_the_same_gradient():
    """sum_s w_s |G - A_s|^2 = |G - sum_s w_s A_s|^2 + a constant when the weights sum to one: the
    package's blend of losses and neural-style's blend of targets pull the image the same way."""
    g = torch.Generator().manual_seed(0)
    G = torch.randn(3, 3, generator=g, requires_grad=True)
    A = [torch.randn(3, 3, generator=g) for _ in range(2)]
    w = [0.3, 0.7]
    (grad_losses,) = torch.autograd.grad(sum(v * (G - a).pow(2).sum() for v, a in zip(w, A)), G)
    (grad_target,) = torch.autograd.grad((G - _blend(A, w)).pow(2).sum(), G)
    assert torch.allclose(grad_losses, grad_target, atol=1e-5)
