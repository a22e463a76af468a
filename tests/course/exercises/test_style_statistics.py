"""The exercise checks of notebook 11 accept the right style losses and name each usual mistake."""

from __future__ import annotations

import pytest

from helpers import exercises
from helpers.extensions.style_losses import HistogramStatistic, MeanStdStatistic


def _verdict(check, fn, capsys) -> tuple[bool, str]:
    ok = check(fn)
    return ok, capsys.readouterr().out.strip()


def _package(statistic):
    return lambda F, S: statistic.loss(F, statistic.target(S, F.shape[2:].numel()))


# --- check_mean_std_loss ---------------------------------------------------------------------------


def _stats(x, dims=(2, 3), unbiased=False):
    return x.mean(dim=dims), x.std(dim=dims, unbiased=unbiased)


def _mean_std(F, S, dims=(2, 3), unbiased=False):
    (m, s), (ms, ss) = _stats(F, dims, unbiased), _stats(S, dims, unbiased)
    return ((m - ms) ** 2).sum() + ((s - ss) ** 2).sum()


def _mean_std_loss(F, S):
    """A hand-written answer: flattened, with var(unbiased=False).sqrt(), no epsilon."""
    f, s = F.flatten(2), S.flatten(2)
    dm = f.mean(2) - s.mean(2)
    ds = f.var(2, unbiased=False).sqrt() - s.var(2, unbiased=False).sqrt()
    return (dm**2 + ds**2).sum() / F.shape[1]


def test_mean_std_check_accepts_the_package_and_hand_written_answers(capsys):
    assert _verdict(exercises.check_mean_std_loss, _package(MeanStdStatistic()), capsys) == (
        True,
        "✓ mean_std_loss: correct",
    )
    assert _verdict(exercises.check_mean_std_loss, _mean_std_loss, capsys) == (
        True,
        "✓ mean_std_loss: correct",
    )
    torch_std = lambda F, S: _mean_std(F, S) / F.shape[1]  # noqa: E731
    assert _verdict(exercises.check_mean_std_loss, torch_std, capsys)[0]


def _norms(F, S):
    (m, s), (ms, ss) = _stats(F), _stats(S)
    return (m - ms).norm(dim=1).sum() + (s - ss).norm(dim=1).sum()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda F, S: _mean_std(F, S, unbiased=True) / F.shape[1], "unbiased standard deviation"),
        (
            lambda F, S: (
                (
                    ((F.mean((2, 3)) - S.mean((2, 3))) ** 2).sum()
                    + ((F.var((2, 3), unbiased=False) - S.var((2, 3), unbiased=False)) ** 2).sum()
                )
                / F.shape[1]
            ),
            "you compared the variances",
        ),
        (lambda F, S: _mean_std(F, S), "left out the 1/N"),
        (lambda F, S: _mean_std(F, S) / F[0].numel(), "divided by N·M"),
        (lambda F, S: _mean_std(F, S) / F[0, 0].numel(), "divided by M, the number of positions"),
        (lambda F, S: _mean_std(F, S) / F.shape[:2].numel(), "averaged over the batch too"),
        (lambda F, S: _mean_std(F[0:1], S) / F.shape[1], "only the first image"),
        (lambda F, S: ((F.mean((2, 3)) - S.mean((2, 3))) ** 2).mean(), "only the means"),
        (
            lambda F, S: (
                ((F.std((2, 3), unbiased=False) - S.std((2, 3), unbiased=False)) ** 2).sum() / F.shape[1]
            ),
            "only the standard deviations",
        ),
        (lambda F, S: _mean_std(F, S, dims=1) / F.shape[1], "over the channels (dim=1)"),
        (
            lambda F, S: (F.mean() - S.mean()) ** 2 + (F.std(unbiased=False) - S.std(unbiased=False)) ** 2,
            "whole layer",
        ),
        (_norms, "Huang & Belongie"),
        (lambda F, S: _norms(F, S) / F.shape[1], "(and divided by N)"),
        (lambda F, S: _mean_std(F, S, dims=2) / F.shape[1], "height only"),
        (lambda F, S: _mean_std(F, S, dims=3) / F.shape[1], "width only"),
        (lambda F, S: _mean_std_loss(F, S) + 0 * (F - S).sum(), "fails for a style of another size"),
        (lambda F, S: _mean_std(F, S).item(), "did you call .item()?"),
        (lambda F, S: (_stats(F)[0] - _stats(S)[0]) ** 2, "did you forget .sum()?"),
        (lambda F, S: _mean_std_loss(F.detach(), S), "no gradient"),
        (lambda F, S: None, "did you forget `return`?"),
        (lambda F, S: F.nonexistent, "raised AttributeError"),
    ],
)
def test_mean_std_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_mean_std_loss, answer, capsys)
    assert not ok
    assert out.startswith("✗ mean_std_loss:") and message in out


def test_mean_std_check_names_a_batch_that_breaks_the_answer(capsys):
    def one_image(F, S):
        return _mean_std_loss(F.reshape(F.shape[1], *F.shape[2:])[None], S)

    ok, out = _verdict(exercises.check_mean_std_loss, one_image, capsys)
    assert not ok and "fails for a batch of 2" in out


def test_mean_std_check_sees_a_wrong_gradient(capsys):
    def stopped_means(F, S):  # the right value, but the means pass no gradient
        f = F.flatten(2)
        m = f.mean(2).detach()
        return (
            ((m - S.mean((2, 3))) ** 2) + (f.std(2, unbiased=False) - S.std((2, 3), unbiased=False)) ** 2
        ).sum() / F.shape[1]

    ok, out = _verdict(exercises.check_mean_std_loss, stopped_means, capsys)
    assert not ok and "its gradient with respect to the features" in out


# --- check_histogram_loss --------------------------------------------------------------------------


def _sorted(x):
    return x.flatten(2).sort(dim=2).values


def _histogram_loss(F, S):
    return ((_sorted(F) - _sorted(S)) ** 2).mean()


def test_histogram_check_accepts_the_package_and_a_hand_written_answer(capsys):
    assert _verdict(exercises.check_histogram_loss, _package(HistogramStatistic()), capsys) == (
        True,
        "✓ histogram_loss: correct",
    )
    assert _verdict(exercises.check_histogram_loss, _histogram_loss, capsys) == (
        True,
        "✓ histogram_loss: correct",
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda F, S: ((F - S) ** 2).mean(), "content loss"),
        (
            lambda F, S: ((F.flatten().sort().values - S.flatten().sort().values) ** 2).mean(),
            "one histogram for all",
        ),
        (
            lambda F, S: ((F.sort(dim=1).values - S.sort(dim=1).values) ** 2).mean(),
            "along the channels (dim=1)",
        ),
        (lambda F, S: ((F.sort(dim=3).values - S.sort(dim=3).values) ** 2).mean(), "each row only"),
        (lambda F, S: ((_sorted(F) - S.flatten(2)) ** 2).mean(), "sorted only the features"),
        (lambda F, S: ((F.flatten(2) - _sorted(S)) ** 2).mean(), "sorted only the style"),
        (
            lambda F, S: ((_sorted(F) - S.flatten(2).sort(dim=2, descending=True).values) ** 2).mean(),
            "ascending and the other descending",
        ),
        (lambda F, S: ((_sorted(F) - _sorted(S)) ** 2).sum(), "left out the 1/(N M)"),
        (lambda F, S: ((_sorted(F) - _sorted(S)) ** 2).sum() / F[0, 0].numel(), "divided by M only"),
        (lambda F, S: ((_sorted(F) - _sorted(S)) ** 2).sum() / F.shape[1], "divided by N only"),
        (lambda F, S: _histogram_loss(F, S).sqrt(), "RMS"),
        (lambda F, S: _histogram_loss(F, S).item(), "did you call .item()?"),
        (lambda F, S: (_sorted(F) - _sorted(S)) ** 2, "did you forget .sum()?"),
        (lambda F, S: _histogram_loss(F.detach(), S), "no gradient"),
        (lambda F, S: F.nonexistent, "raised AttributeError"),
    ],
)
def test_histogram_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_histogram_loss, answer, capsys)
    assert not ok
    assert out.startswith("✗ histogram_loss:") and message in out
