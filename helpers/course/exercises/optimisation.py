"""Notebook 06: the total loss (Eq. 7) and the closure that L-BFGS evaluates.

Both checks run on small made-up tensors, so they take a fraction of a second: the first on
random "responses" of every layer the paper uses, the second on a quadratic bowl of 60 pixels.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import torch

from ...core.losses import content_loss, gram_matrix, style_loss
from ...core.vgg import STYLE_LAYERS
from .feedback import Feedback, Mistake, _call, _compare, _differentiable, _one_number, _recognise, _responses

Features = Mapping[str, torch.Tensor]

# Probe shapes [1, N, H, W] per layer: tiny, but with the paper's layer names. conv4_1 and conv4_2
# share a shape (as in VGG19), so content taken at the wrong one of the two gives a number to name.
PROBE_SHAPES = {
    "conv1_1": (1, 3, 6, 6),
    "conv2_1": (1, 4, 4, 5),
    "conv3_1": (1, 5, 3, 4),
    "conv4_1": (1, 6, 2, 3),
    "conv4_2": (1, 6, 2, 3),
    "conv5_1": (1, 6, 1, 2),
}
# Two settings; unequal w_l (so "w_l left out" and "a plain mean" differ from the answer) and
# beta != 1 in the second (so "beta left out" differs too).
PROBE_SETTINGS = (
    (1e-2, 1.0, {"conv1_1": 0.1, "conv2_1": 0.4, "conv3_1": 0.2, "conv4_1": 0.2, "conv5_1": 0.1}),
    (0.3, 0.5, {"conv1_1": 0.3, "conv2_1": 0.1, "conv3_1": 0.1, "conv4_1": 0.4, "conv5_1": 0.1}),
)


def reference_total_loss(
    features: Features, P: torch.Tensor, A: Features, alpha: float, beta: float, w: Mapping[str, float]
) -> torch.Tensor:
    r""":math:`\alpha\mathcal{L}_{content} + \beta\sum_l w_l E_l` (Eqs. 7 and 5), content at conv4_2."""
    l_content = content_loss(features["conv4_2"], P)
    l_style = sum(w[name] * style_loss(features[name], A[name]) for name in w)
    return alpha * l_content + beta * l_style


def _terms(features: Features, P: torch.Tensor, A: Features) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    return content_loss(features["conv4_2"], P), {n: style_loss(features[n], A[n]) for n in A}


def _probe(seed: int) -> tuple[dict[str, torch.Tensor], torch.Tensor, dict[str, torch.Tensor]]:
    features = {
        name: _responses(seed + i, shape).requires_grad_(True)
        for i, (name, shape) in enumerate(PROBE_SHAPES.items())
    }
    P = _responses(seed + 50, PROBE_SHAPES["conv4_2"])
    A = {
        name: gram_matrix(_responses(seed + 100 + i, PROBE_SHAPES[name]))
        for i, name in enumerate(STYLE_LAYERS)
    }
    return features, P, A


# long: a table of named mistakes, then the probe
def check_total_loss(
    fn: Callable[[Features, torch.Tensor, Features, float, float, Mapping[str, float]], torch.Tensor],
) -> bool:
    r"""Check ``fn(features, P, A, alpha, beta, w)`` against Eq. 7 with Eq. 5 inside it:

    .. math:: \mathcal{L}_{total} = \alpha\,\mathcal{L}_{content} + \beta \sum_l w_l E_l

    ``features`` maps layer names (conv1_1 ... conv5_1 and conv4_2) to the generated image's
    responses ``[1, N, H, W]``; ``P`` is the photo's responses at conv4_2; ``A`` maps each style
    layer to the painting's Gram matrix; ``w`` maps each style layer to its weight :math:`w_l`.
    The answer is one number whose gradient reaches every layer's responses.
    """
    feedback = Feedback("total_loss")

    def mistake(content_factor, style_factor, combine=None, content_layer="conv4_2"):
        # A wrong total, built from the right terms: how the factors or the sum go wrong.
        def wrong(features, P, A, alpha, beta, w):
            l_content = content_loss(features[content_layer], P)
            per_layer = {n: style_loss(features[n], A[n]) for n in w}
            l_style = combine(per_layer, w) if combine else sum(w[n] * per_layer[n] for n in w)
            return content_factor(alpha, beta) * l_content + style_factor(alpha, beta) * l_style

        return wrong

    def unweighted(per_layer, w):
        return sum(per_layer.values())

    def mean(per_layer, w):
        return sum(per_layer.values()) / len(per_layer)

    mistakes: list[Mistake] = [
        (
            "you swapped alpha and beta: alpha weighs the content loss, beta the style loss (Eq. 7)",
            mistake(lambda a, b: b, lambda a, b: a),
        ),
        (
            "the layer weights w_l are missing: L_style = sum over l of w_l * E_l (Eq. 5), not the plain sum",
            mistake(lambda a, b: a, lambda a, b: b, unweighted),
        ),
        (
            "you averaged the E_l: L_style weighs each layer by its own w_l (Eq. 5), and here they differ",
            mistake(lambda a, b: a, lambda a, b: b, mean),
        ),
        (
            "the content term is missing: Eq. 7 adds alpha * L_content",
            mistake(lambda a, b: 0.0, lambda a, b: b),
        ),
        ("the style term is missing: Eq. 7 adds beta * L_style", mistake(lambda a, b: a, lambda a, b: 0.0)),
        (
            "alpha is missing: the content loss is multiplied by alpha",
            mistake(lambda a, b: 1.0, lambda a, b: b),
        ),
        ("beta is missing: the style loss is multiplied by beta", mistake(lambda a, b: a, lambda a, b: 1.0)),
        (
            "you divided by beta (alpha/beta * L_content + L_style): that has the same minimum, but Eq. 7 "
            "is alpha * L_content + beta * L_style",
            mistake(lambda a, b: a / b, lambda a, b: 1.0),
        ),
        (
            "the content is taken at conv4_1: the paper matches content at conv4_2",
            mistake(lambda a, b: a, lambda a, b: b, content_layer="conv4_1"),
        ),
    ]
    for seed, (alpha, beta, w) in zip((7, 8), PROBE_SETTINGS):
        features, P, A = _probe(seed)
        got = _call(feedback, fn, features, P, A, alpha, beta, dict(w))
        if feedback.problem:
            return feedback.report()
        got = _one_number(feedback, got, "your total loss")
        if got is None:
            return feedback.report()
        detached = {name: f.detach() for name, f in features.items()}
        expected = reference_total_loss(detached, P, A, alpha, beta, w)
        if not torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-9):
            if not _recognise(feedback, got.detach(), mistakes, detached, P, A, alpha, beta, w):
                _compare(feedback, got.detach(), expected, "your total loss")
            return feedback.report()
        if not _differentiable(feedback, got, "your total loss"):
            return feedback.report()
        got.backward()
        reference = {name: f.clone().requires_grad_(True) for name, f in detached.items()}
        reference_total_loss(reference, P, A, alpha, beta, w).backward()
        for name in PROBE_SHAPES:
            if features[name].grad is None:
                feedback.fail(f"no gradient reaches {name}: keep every term connected to `features`")
                return feedback.report()
            _compare(
                feedback, features[name].grad, reference[name].grad, f"its gradient at {name}", rtol=1e-3
            )
            if feedback.problem:
                return feedback.report()
    return feedback.report()


# --- the L-BFGS closure ----------------------------------------------------------------------------

_TARGET = torch.linspace(0.0, 1.0, 60).reshape(1, 3, 4, 5)
_CURVATURE = torch.logspace(0.0, 2.0, 60).reshape(1, 3, 4, 5)  # a bowl 100 times steeper one way
STALE = 7.0  # a gradient "left over from the previous evaluation"


def _bowl(calls: list[bool]) -> Callable[[torch.Tensor], torch.Tensor]:
    """A loss on 60 pixels that records, per call, whether autograd was recording."""

    def loss_fn(image: torch.Tensor) -> torch.Tensor:
        calls.append(torch.is_grad_enabled())
        return 0.5 * (_CURVATURE * (image - _TARGET) ** 2).sum()

    return loss_fn


def _lbfgs(image: torch.Tensor) -> torch.optim.LBFGS:
    return torch.optim.LBFGS([image], lr=1.0, max_iter=15, line_search_fn="strong_wolfe")


def _reference_run() -> tuple[float, int]:
    """The final loss and number of evaluations of one L-BFGS step with a correct closure."""
    image = torch.full((1, 3, 4, 5), 0.5, requires_grad=True)
    optimizer, calls = _lbfgs(image), []
    loss_fn = _bowl(calls)

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(image)
        loss.backward()
        return loss

    optimizer.step(closure)
    return _bowl_value(image), len(calls)


def _number(value: torch.Tensor | float) -> float:
    return value.detach().item() if isinstance(value, torch.Tensor) else float(value)


def _bowl_value(image: torch.Tensor) -> float:
    with torch.no_grad():
        return float(0.5 * (_CURVATURE * (image - _TARGET) ** 2).sum())


# long: one ordered chain of diagnoses, then one end-to-end step
def check_lbfgs_closure(
    fn: Callable[
        [torch.Tensor, torch.optim.Optimizer, Callable[[torch.Tensor], torch.Tensor], list], Callable
    ],
) -> bool:
    """Check ``fn(image, optimizer, loss_fn, evaluations)``, which returns the closure L-BFGS calls.

    Each call of the closure is one *evaluation*: zero the old gradient, compute
    ``loss = loss_fn(image)``, ``loss.backward()``, append the loss as a number
    (``loss.item()``) to ``evaluations`` and return ``loss``. It must not step the optimiser
    (L-BFGS calls the closure, several times per step) nor change the image.
    """
    feedback = Feedback("lbfgs_closure")
    image = torch.full((1, 3, 4, 5), 0.5, requires_grad=True)
    optimizer, calls, evaluations = _lbfgs(image), [], []
    stepped: list[int] = []
    optimizer.step = lambda *args, **kwargs: stepped.append(1)  # a spy: the closure must not step
    closure = _call(feedback, fn, image, optimizer, _bowl(calls), evaluations)
    if feedback.problem:
        return feedback.report()
    if closure is None:
        feedback.fail(
            "your function returned None: end it with `return closure` (the inner function, not called)"
        )
        return feedback.report()
    if not callable(closure):
        feedback.fail(
            f"your function returned a {type(closure).__name__}, not a function: return `closure` "
            "itself, without (), so that L-BFGS can call it as often as it needs"
        )
        return feedback.report()
    if evaluations:
        feedback.fail(
            "`evaluations` grew when the closure was made, before any evaluation: count inside the "
            "closure, once per call (L-BFGS calls it several times per step)"
        )
        return feedback.report()
    image.grad = torch.full_like(image, STALE)  # left over from an earlier evaluation
    before = image.detach().clone()
    returned = _call(feedback, closure)
    if feedback.problem:
        if "does not require grad" in feedback.problem:
            feedback.problem += " — was the loss computed under torch.no_grad() or detached?"
        return feedback.report()
    true_grad = _CURVATURE * (before - _TARGET)
    value = _bowl_value(before)
    if stepped:
        feedback.fail(
            "your closure calls optimizer.step(): L-BFGS calls the closure, not the other way round"
        )
    elif not calls:
        feedback.fail("your closure never calls loss_fn(image): each evaluation computes the loss")
    elif len(calls) > 1:
        feedback.fail(f"your closure calls loss_fn {len(calls)} times: one evaluation is one forward pass")
    elif not calls[0]:
        feedback.fail("the loss was computed under torch.no_grad(): autograd must record it to backpropagate")
    elif not torch.equal(image.detach(), before):
        feedback.fail(
            "your closure changed the image (clamping it?): L-BFGS's line search expects the closure "
            "only to evaluate; clamp the result after the optimisation"
        )
    elif image.grad is None:
        feedback.fail("the image has no gradient after your closure: call loss.backward()")
    elif torch.allclose(image.grad, torch.full_like(image, STALE)):
        feedback.fail("the gradient did not change: call loss.backward() after computing the loss")
    elif torch.allclose(image.grad, true_grad + STALE, rtol=1e-5):
        feedback.fail(
            "the gradient of the previous evaluation was still there: autograd adds to .grad, so call "
            "optimizer.zero_grad() before loss.backward()"
        )
    elif not torch.allclose(image.grad, true_grad, rtol=1e-5):
        _compare(feedback, image.grad, true_grad, "the image's gradient after your closure", rtol=1e-5)
    elif len(evaluations) != 1:
        feedback.fail(
            f"after one call `evaluations` holds {len(evaluations)} entries: append one number per "
            "evaluation, inside the closure"
        )
    elif isinstance(evaluations[0], torch.Tensor):
        feedback.fail(
            "you stored the loss tensor: append loss.item(), a plain number; a tensor keeps the whole "
            "evaluation's graph in memory"
        )
    elif not isinstance(evaluations[0], (int, float)) or not math.isclose(
        evaluations[0], value, rel_tol=1e-5
    ):
        feedback.fail(f"`evaluations` holds {evaluations[0]!r}; append the loss value, {value:.6g}")
    elif returned is None:
        feedback.fail("your closure returns None: return the loss, L-BFGS needs its value")
    elif not isinstance(returned, (torch.Tensor, int, float)) or not math.isclose(
        _number(returned), value, rel_tol=1e-5
    ):
        feedback.fail(f"your closure returned {returned!r}: return the loss ({value:.6g})")
    if feedback.problem:
        return feedback.report()

    # End to end: one L-BFGS step with your closure, against the same step with the right one.
    image = torch.full((1, 3, 4, 5), 0.5, requires_grad=True)
    optimizer, calls, evaluations = _lbfgs(image), [], []
    closure = _call(feedback, fn, image, optimizer, _bowl(calls), evaluations)
    if not feedback.problem:
        _call(feedback, optimizer.step, closure)
    if feedback.problem:
        return feedback.report()
    final = _bowl_value(image)
    expected_final, expected_evaluations = _reference_run()
    if len(evaluations) != len(calls):
        feedback.fail(
            f"L-BFGS evaluated {len(calls)} times but `evaluations` holds {len(evaluations)} entries"
        )
    elif len(calls) != expected_evaluations or not math.isclose(
        final, expected_final, rel_tol=1e-3, abs_tol=1e-9
    ):
        feedback.fail(
            f"one L-BFGS step with your closure took {len(calls)} evaluations to a loss of {final:.4g}; "
            f"with the right closure: {expected_evaluations} evaluations, {expected_final:.4g}"
        )
    return feedback.report()
