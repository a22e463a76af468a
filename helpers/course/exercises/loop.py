r"""Notebook 07: the learner writes the whole algorithm, and the check judges it by the paper's objective.

``check_style_transfer_loop(fn)`` runs ``fn(content, style, *, ratio, steps, seed)`` on a small
pair of images and evaluates the image it returns with the paper's objective (Eq. 7, the package's
losses, :math:`w_l = 1/5`):

.. math:: \mathcal{L}_{total} = \alpha\,\mathcal{L}_{content} + \beta \sum_l w_l E_l,
          \qquad \alpha/\beta = \text{ratio}

A loop is right when its image reaches about the objective that :func:`helpers.stylize` reaches
from the same faint noise with the same number of loss evaluations. When it falls short, the check
names the likely mistake from what it saw: the network's calls (which layers, how often, with or
without gradients) and the losses of the returned image next to the reference's, term by term
and layer by layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from ...core.objective import Objective, resolve_layer_weights
from ...core.vgg import CONTENT_LAYERS, LAYERS, STYLE_LAYERS, VGG19, vgg19
from ...imaging.images import load_image, resize
from ...synthesis.stylize import noise_image, stylize
from .feedback import Feedback

#: The small pair the check runs on: the photo and the painting at 36 x 48 px.
PAIR = ("tubingen", "starry_night")
SIZE = 48
STEPS = 20
RATIO = 1e-3
#: A loop passes when its objective is at most this many times the reference's.
TOLERANCE = 1.5

Loop = Callable[..., torch.Tensor]


@dataclass
class Losses:
    """The paper's objective of one image and its parts."""

    total: float
    content: float
    style: float
    layers: dict[str, float]

    def __str__(self) -> str:
        return f"{self.total:.4g} (content {self.content:.4g}, style {self.style:.4g})"


@dataclass
class Calls:
    """What the learner's loop asked of the package's network (a global forward hook records it)."""

    with_grad: int = 0
    without_grad: int = 0
    layers: set[str] = field(default_factory=set)
    first_input: torch.Tensor | None = None
    networks: list[VGG19] = field(default_factory=list)

    def __call__(self, module: torch.nn.Module, args: tuple, output: object) -> None:
        if not isinstance(module, VGG19) or not args:
            return
        if module not in self.networks:
            self.networks.append(module)
        image = args[0]
        if isinstance(image, torch.Tensor) and image.requires_grad:
            self.with_grad += 1
            if isinstance(output, dict):
                self.layers |= set(output)
            if self.first_input is None:
                self.first_input = image.detach().float().cpu().clone()
        else:
            self.without_grad += 1


def small_pair(size: int = SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """The photo at ``size`` px (longer side) and the painting resized to the photo's shape."""
    content = load_image(PAIR[0], size)
    style = resize(load_image(PAIR[1], size), tuple(content.shape[-2:]))
    return content, style


def paper_objective(content: torch.Tensor, style: torch.Tensor, ratio: float) -> Objective:
    """Eq. 7 on the paper's network: content at conv4_2, style on conv1_1 ... conv5_1, w_l = 1/5."""
    net = vgg19()
    return Objective(
        net,
        content.to(net.device),
        [style.to(net.device)],
        output_shape=tuple(content.shape[-2:]),
        layer_weights=resolve_layer_weights(STYLE_LAYERS, None),
        alpha=ratio,
        beta=1.0,
    )


def evaluate(objective: Objective, image: torch.Tensor) -> Losses:
    """The objective of ``image`` and its terms, with each style layer's :math:`E_l` (Eq. 4)."""
    with torch.no_grad():
        x = image.to(objective.net.device).float()
        total, terms = objective(x)
        feats = objective.net(x, objective.style_layers)
        layers = {
            name: float(objective.style_layer_loss(0, name, feats[name])) for name in objective.style_layers
        }
    return Losses(float(total), float(terms["content"]), float(terms["style"]), layers)


_REFERENCE: dict[tuple, tuple[torch.Tensor, Losses]] = {}


def reference(
    size: int = SIZE, steps: int = STEPS, ratio: float = RATIO, seed: int = 0
) -> tuple[torch.Tensor, Losses]:
    """What :func:`helpers.stylize` reaches on the small pair (float32, so the same on every CPU)."""
    key = (size, steps, ratio, seed, str(vgg19().device))
    if key not in _REFERENCE:
        content, style = small_pair(size)
        result = stylize(
            content, style, size=size, ratio=ratio, steps=steps, seed=seed, precision="fp32", progress=False
        )
        _REFERENCE[key] = (result.image, evaluate(paper_objective(content, style, ratio), result.image))
    return _REFERENCE[key]


class _OverBudget(Exception):  # noqa: N818 - raised inside the learner's loop to stop it early
    pass


@dataclass
class Probe:
    """One run of the learner's loop at one ratio, next to the reference's."""

    ratio: float
    image: torch.Tensor | None = None
    calls: Calls = field(default_factory=Calls)
    losses: Losses | None = None
    reference: Losses | None = None

    @property
    def factor(self) -> float:
        """The learner's objective over the reference's (1: as good; below 1: better)."""
        return self.losses.total / self.reference.total

    def term(self, name: str) -> float:
        return getattr(self.losses, name) / getattr(self.reference, name)


# The two ratios the check runs at: the paper's, where the style term dominates, and 1, where our
# network's content and style terms are about equal after the budget (measured at 36 x 48 px), so
# that a loop which ignores the content shows it.
PROBE_RATIOS = (RATIO, 1.0)


def _run(
    feedback: Feedback,
    fn: Loop,
    probe: Probe,
    content: torch.Tensor,
    style: torch.Tensor,
    steps: int,
    seed: int,
) -> bool:
    """Run ``fn`` once under the network spy into ``probe.image``; False (after failing) without one."""
    limit = 3 * steps + 5

    def spy(module: torch.nn.Module, args: tuple, output: object) -> None:
        probe.calls(module, args, output)
        if probe.calls.with_grad > limit:
            raise _OverBudget

    hook = torch.nn.modules.module.register_module_forward_hook(spy)
    try:
        out = fn(content.clone(), style.clone(), ratio=probe.ratio, steps=steps, seed=seed)
    except _OverBudget:
        return feedback.fail(
            f"with steps={steps} your loop evaluated the loss more than {limit} times (stopped there): "
            "`steps` counts loss evaluations, so count them inside the closure — one "
            "`optimizer.step(closure)` of L-BFGS runs up to max_iter evaluations"
        )
    except Exception as exc:  # the learner's code: say what, not a traceback
        if isinstance(exc, RuntimeError) and "backward through the graph a second time" in str(exc):
            return feedback.fail(
                "the second evaluation failed: your targets carry a computation graph. Compute P and A "
                "once, before the loop, under `with torch.no_grad():` (or .detach() them)"
            )
        return feedback.fail(f"your function raised {type(exc).__name__}: {exc}")
    finally:
        hook.remove()
        for net in probe.calls.networks:  # a loop that unfroze the shared network must not spoil the next
            if any(p.requires_grad for p in net.parameters()):
                net.requires_grad_(False)
                feedback.fail(
                    "your loop switched on gradients for VGG19's weights: the network stays frozen, "
                    "only the image is optimised"
                )
    if feedback.problem or not _check_image(feedback, out, content):
        return False
    probe.image = out.detach().float().cpu()
    return True


def _check_image(feedback: Feedback, out: object, content: torch.Tensor) -> bool:
    if out is None:
        return feedback.fail("your function returned None: did you forget `return`?")
    if not isinstance(out, torch.Tensor):
        return feedback.fail(
            f"your function returned a {type(out).__name__}: return the image as a torch.Tensor [1, 3, H, W]"
        )
    if out.shape != content.shape:
        hint = " (keep the batch dimension)" if out.dim() == 3 else ""
        return feedback.fail(
            f"your image has shape {list(out.shape)}, expected {list(content.shape)}, the content's{hint}"
        )
    out = out.detach()
    if not torch.isfinite(out).all():
        return feedback.fail(
            "your image holds NaN or infinity: the loss blew up. Check the style loss's "
            "1/(4 N_l² M_l²) (without it the loss is ~1e20) and that L-BFGS has a line search"
        )
    low, high = float(out.min()), float(out.max())
    if low < -1e-6 or high > 1 + 1e-6:
        return feedback.fail(
            f"your image runs from {low:.3g} to {high:.3g}: return pixels in [0, 1], x.detach().clamp(0, 1)"
        )
    return True


def _same(a: torch.Tensor, b: torch.Tensor, atol: float = 1e-6) -> bool:
    return a.shape == b.shape and torch.allclose(
        a.detach().float().cpu(), b.detach().float().cpu(), atol=atol
    )


def _calls_problem(
    feedback: Feedback, probe: Probe, steps: int, start: torch.Tensor, content: torch.Tensor
) -> bool:
    """What the network's calls show: no optimisation, the wrong network, budget, targets, layers."""
    calls, image = probe.calls, probe.image
    if _same(image, start.clamp(0, 1)) or _same(image, content):
        what = "the starting noise" if _same(image, start.clamp(0, 1)) else "the content image"
        return feedback.fail(
            f"no optimisation happened: your image is {what}, unchanged. Call optimizer.step(closure) "
            "and return the optimised x"
        )
    if calls.with_grad == 0:
        return True  # the learner's own network: only the objective can judge the loop
    for net in calls.networks:
        if net.pooling != "avg" or net.weights != "caffe" or getattr(net, "normalized", False):
            return feedback.fail(
                f"your network is vgg19(weights={net.weights!r}, pooling={net.pooling!r}"
                f"{', normalize=True' if getattr(net, 'normalized', False) else ''}): use helpers.vgg19(), "
                "the paper's network (the original weights, average pooling)"
            )
    if calls.with_grad > 1.1 * steps + 2:
        return feedback.fail(
            f"with steps={steps} your loop evaluated the loss {calls.with_grad} times: `steps` counts "
            "loss evaluations, so count them inside the closure"
        )
    if calls.without_grad > 2 and calls.without_grad >= calls.with_grad:
        return feedback.fail(
            f"your loop computed the targets {calls.without_grad} times for {calls.with_grad} evaluations: "
            "the photo's P and the painting's A never change, so compute them once, before the loop"
        )
    if set(calls.layers) != set(LAYERS):  # a loop that asks for every layer: the objective judges it
        missing = [n for n in (*CONTENT_LAYERS, *STYLE_LAYERS) if n not in calls.layers]
        if missing:
            extra = sorted(set(calls.layers) - {*CONTENT_LAYERS, *STYLE_LAYERS}, key=LAYERS.index)
            instead = f" (you asked for {', '.join(extra)})" if extra else ""
            return feedback.fail(
                f"the wrong layers: your loop never asks the network for {', '.join(missing)}{instead}. "
                "The paper: content at conv4_2, style on conv1_1, conv2_1, conv3_1, conv4_1, conv5_1"
            )
    return True


def _diagnose(
    feedback: Feedback,
    style_probe: Probe,
    content_probe: Probe,
    tolerance: float,
    rerun: Callable[[float], Probe | None],
) -> bool:
    """Name the likely mistake from the losses of both probes, next to the reference's."""
    s, c = style_probe, content_probe
    if c.factor > tolerance and c.term("content") > 2 and c.term("style") < 1:
        return feedback.fail(
            f"at α/β = {c.ratio:g} your image's content loss is {c.term('content'):.3g} times the "
            "reference's while its style loss is lower: the content term is missing or too weak. Eq. 7 is "
            "ratio * L_content + L_style"
        )
    if s.factor > tolerance and s.term("content") < 0.5:
        if _same(s.image, c.image):
            return feedback.fail(
                f"your image is the same at α/β = {s.ratio:g} and {c.ratio:g}: the ratio is ignored. "
                "Eq. 7 is ratio * L_content + L_style (β = 1)"
            )
        # Inverted, or a style loss normalised so small that the content wins at every ratio? Six
        # orders of magnitude up, a loop that divides by the ratio keeps far more content loss.
        high = rerun(1 / s.ratio)
        if high is None:
            return False
        if high.losses.content > 3 * s.losses.content:  # measured: 15x inverted, 1.06x renormalised
            return feedback.fail(
                f"the ratio works backwards: at α/β = {high.ratio:g} your image keeps less of the photo than "
                f"at {s.ratio:g}. α/β = ratio multiplies the content loss: ratio * L_content + L_style"
            )
        return feedback.fail(
            f"at α/β = {s.ratio:g} the content counts far more than it should (your content loss is "
            f"{s.term('content'):.2g} times the reference's, your style loss {s.term('style'):.3g} times): "
            "your style loss is normalised differently. Use Eq. 4 as it is, E_l = Σ(G - A)² / (4 N_l² M_l²) "
            "with the plain Gram matrix, and w_l = 1/5 (helpers.style_loss does it)"
        )
    worst = max((s, c), key=lambda p: p.factor)
    if worst.factor > tolerance:
        layers = {n: worst.losses.layers[n] / worst.reference.layers[n] for n in STYLE_LAYERS}
        low, high = min(layers, key=layers.get), max(layers, key=layers.get)
        if layers[high] / layers[low] > 10:
            return feedback.fail(
                f"your style layers are out of balance: at α/β = {worst.ratio:g} E_l of {high} is "
                f"{layers[high]:.3g} times the reference's, of {low} {layers[low]:.3g} times. Weight every "
                "layer by w_l = 1/5 and use Eq. 4 as it is"
            )
        return feedback.fail(
            f"your image reaches {worst.factor:.3g} times the reference's objective at "
            f"α/β = {worst.ratio:g}, with the terms in about the reference's balance: your optimiser "
            "made less progress. Use "
            "torch.optim.LBFGS([x], max_iter=steps, line_search_fn='strong_wolfe') from "
            "helpers.noise_image (without a line search the first steps from noise overshoot)"
        )
    return True


def check_style_transfer_loop(
    fn: Loop, *, size: int = SIZE, steps: int = STEPS, seed: int = 0, tolerance: float = TOLERANCE
) -> bool:
    r"""Check a learner's whole algorithm, ``fn(content, style, *, ratio, steps, seed) -> image``.

    ``content`` and ``style`` are ``[1, 3, H, W]`` in [0, 1] (the photo and the painting at
    ``size`` px, the same shape); ``fn`` minimises Eq. 7, :math:`\text{ratio}\cdot\mathcal{L}_{content}
    + \sum_l w_l E_l`, over the pixels for ``steps`` loss evaluations from
    ``helpers.noise_image(shape, seed=seed)`` and returns the image ``[1, 3, H, W]`` in [0, 1].

    The check runs ``fn`` at two ratios, the paper's 1e-3 and 1, evaluates the returned images with
    the paper's objective, and compares with :func:`helpers.stylize` on the same pair, budget and
    start: the loop passes when its objective is at most ``tolerance`` times the reference's at
    both. Prints one line; returns True when the loop is right.
    """
    feedback = Feedback("style_transfer_loop")
    content, style = small_pair(size)
    start = noise_image(tuple(content.shape[-2:]), seed=seed)

    def run(ratio: float) -> Probe | None:
        probe = Probe(ratio)
        if not _run(feedback, fn, probe, content, style, steps, seed):
            return None
        if not _calls_problem(feedback, probe, steps, start, content):
            return None
        probe.losses = evaluate(paper_objective(content, style, ratio), probe.image)
        return probe

    probes = []
    for ratio in PROBE_RATIOS:
        probe = run(ratio)
        if probe is None:
            return feedback.report()
        probe.reference = reference(size, steps, ratio, seed)[1]
        probes.append(probe)
    if not _diagnose(feedback, *probes, tolerance, run):
        return feedback.report()
    print(
        "  objective / helpers.stylize's: "
        + ", ".join(f"{p.factor:.3g} at α/β = {p.ratio:g}" for p in probes)
        + f" ({steps} evaluations, {content.shape[-2]} x {content.shape[-1]} px)"
    )
    return feedback.report()
