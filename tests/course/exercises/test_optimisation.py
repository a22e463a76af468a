"""The exercise checks of notebook 06 accept Eq. 7 and a right L-BFGS closure, and name each usual mistake."""

from __future__ import annotations

import pytest
import torch

from helpers import exercises
from helpers.core.losses import content_loss, style_loss
from helpers.course.exercises.optimisation import reference_total_loss


def _verdict(check, fn, capsys) -> tuple[bool, str]:
    ok = check(fn)
    return ok, capsys.readouterr().out.strip()


# --- check_total_loss ------------------------------------------------------------------------------


def _content(f, P, layer="conv4_2"):
    return content_loss(f[layer], P)


def _style_terms(f, A, w):
    return {n: style_loss(f[n], A[n]) for n in w}


def _style(f, A, w):
    return sum(w[n] * e for n, e in _style_terms(f, A, w).items())


def test_total_loss_check_accepts_the_reference_and_a_hand_written_answer(capsys):
    assert _verdict(exercises.check_total_loss, reference_total_loss, capsys) == (
        True,
        "✓ total_loss: correct",
    )

    def mine(features, P, A, alpha, beta, w):
        l_style = 0
        for layer, weight in w.items():
            l_style = l_style + weight * style_loss(features[layer], A[layer])
        return alpha * content_loss(features["conv4_2"], P) + beta * l_style

    assert _verdict(exercises.check_total_loss, mine, capsys)[0]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda f, P, A, a, b, w: b * _content(f, P) + a * _style(f, A, w), "swapped alpha and beta"),
        (
            lambda f, P, A, a, b, w: a * _content(f, P) + b * sum(_style_terms(f, A, w).values()),
            "layer weights w_l are missing",
        ),
        (
            lambda f, P, A, a, b, w: a * _content(f, P) + b * sum(_style_terms(f, A, w).values()) / len(w),
            "averaged the E_l",
        ),
        (lambda f, P, A, a, b, w: b * _style(f, A, w), "content term is missing"),
        (lambda f, P, A, a, b, w: a * _content(f, P), "style term is missing"),
        (lambda f, P, A, a, b, w: _content(f, P) + b * _style(f, A, w), "alpha is missing"),
        (lambda f, P, A, a, b, w: a * _content(f, P) + _style(f, A, w), "beta is missing"),
        (lambda f, P, A, a, b, w: a / b * _content(f, P) + _style(f, A, w), "divided by beta"),
        (lambda f, P, A, a, b, w: a * _content(f, P, "conv4_1") + b * _style(f, A, w), "conv4_1"),
        (lambda f, P, A, a, b, w: reference_total_loss(f, P, A, a, b, w).item(), "did you call .item()?"),
        (
            lambda f, P, A, a, b, w: reference_total_loss(
                {k: v.detach() for k, v in f.items()}, P, A, a, b, w
            ),
            "no gradient",
        ),
        (lambda f, P, A, a, b, w: None, "did you forget `return`?"),
        (lambda f, P, A, a, b, w: a * _content(f, P) + b * _style(f, A, w["conv1_1"]), "raised"),
    ],
)
def test_total_loss_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_total_loss, answer, capsys)
    assert not ok
    assert out.startswith("✗ total_loss:") and message in out


def test_total_loss_check_checks_the_gradient_reaches_every_layer(capsys):
    def cut(f, P, A, a, b, w):  # the right value, but conv5_1 enters without its gradient
        g = dict(f, conv5_1=f["conv5_1"].detach())
        return reference_total_loss(g, P, A, a, b, w)

    ok, out = _verdict(exercises.check_total_loss, cut, capsys)
    assert not ok and "no gradient reaches conv5_1" in out


def test_an_unknown_total_gets_a_useful_message(capsys):
    ok, out = _verdict(exercises.check_total_loss, lambda *args: 2.5 * reference_total_loss(*args), capsys)
    assert not ok and "wrong values (sum ratio 2.5" in out


# --- check_lbfgs_closure ---------------------------------------------------------------------------


def _closure_maker(
    *, zero=True, backward=True, record="item", returns=True, step=False, clamp=False, calls=1
):
    """A closure maker with one switch per usual mistake."""

    def make_closure(image, optimizer, loss_fn, evaluations):
        def closure():
            if zero:
                optimizer.zero_grad()
            for _ in range(calls):
                loss = loss_fn(image)
            if backward:
                loss.backward()
            if clamp:
                with torch.no_grad():
                    image.clamp_(0.6, 1.0)
            if record == "item":
                evaluations.append(loss.item())
            elif record == "tensor":
                evaluations.append(loss)
            elif record == "twice":
                evaluations.extend([loss.item(), loss.item()])
            if step:
                optimizer.step(closure)
            return loss if returns else None

        return closure

    return make_closure


def test_closure_check_accepts_a_right_closure(capsys):
    assert _verdict(exercises.check_lbfgs_closure, _closure_maker(), capsys) == (
        True,
        "✓ lbfgs_closure: correct",
    )

    def by_hand(image, optimizer, loss_fn, evaluations):  # zeroing by hand and returning a number is fine
        def closure():
            image.grad = None
            loss = loss_fn(image)
            loss.backward()
            evaluations.append(loss.item())
            return loss.item()

        return closure

    assert _verdict(exercises.check_lbfgs_closure, by_hand, capsys)[0]


def _no_grad_closure(image, optimizer, loss_fn, evaluations):
    def closure():
        optimizer.zero_grad()
        with torch.no_grad():
            loss = loss_fn(image)
        evaluations.append(loss.item())
        return loss

    return closure


def _counted_outside(image, optimizer, loss_fn, evaluations):
    evaluations.append(0.0)  # counts once, when the closure is made: not per evaluation

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(image)
        loss.backward()
        return loss

    return closure


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_closure_maker(zero=False), "optimizer.zero_grad() before loss.backward()"),
        (_closure_maker(backward=False), "call loss.backward()"),
        (_closure_maker(zero=False, backward=False), "the gradient did not change"),
        (_closure_maker(record=None), "holds 0 entries"),
        (_closure_maker(record="twice"), "holds 2 entries"),
        (_closure_maker(record="tensor"), "you stored the loss tensor"),
        (_closure_maker(returns=False), "return the loss"),
        (_closure_maker(step=True), "calls optimizer.step()"),
        (_closure_maker(clamp=True), "changed the image"),
        (_closure_maker(calls=2), "calls loss_fn 2 times"),
        (_no_grad_closure, "torch.no_grad()"),
        (_counted_outside, "count inside the closure"),
        (lambda image, optimizer, loss_fn, evaluations: None, "`return closure`"),
        (
            lambda image, optimizer, loss_fn, evaluations: _closure_maker()(
                image, optimizer, loss_fn, evaluations
            )(),
            "not a function",
        ),
    ],
)
def test_closure_check_names_the_mistake(answer, message, capsys):
    ok, out = _verdict(exercises.check_lbfgs_closure, answer, capsys)
    assert not ok
    assert out.startswith("✗ lbfgs_closure:") and message in out


def test_closure_check_runs_lbfgs_end_to_end(capsys):
    # Passes the single-call probe, but records only the first evaluation of each L-BFGS run.
    def first_only(image, optimizer, loss_fn, evaluations):
        def closure():
            optimizer.zero_grad()
            loss = loss_fn(image)
            loss.backward()
            if not evaluations:
                evaluations.append(loss.item())
            return loss

        return closure

    ok, out = _verdict(exercises.check_lbfgs_closure, first_only, capsys)
    assert not ok and "L-BFGS evaluated" in out and "holds 1 entries" in out
