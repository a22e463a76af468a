"""check_style_transfer_loop accepts a right loop and names what is wrong with each usual wrong one.

Every loop below is the whole algorithm of notebook 07 with one mistake, as a learner might make
it. The check runs each on its small pair (36 x 48 px, a few dozen evaluations) on the CPU.
"""

from __future__ import annotations

import pytest
import torch

import helpers
from helpers import exercises
from helpers.core.losses import content_loss, gram_matrix, style_loss

STYLE = list(helpers.STYLE_LAYERS)


def _targets(net, content, style, content_layer="conv4_2", style_layers=STYLE):
    with torch.no_grad():
        P = net(content, [content_layer])[content_layer]
        A = {name: gram_matrix(f) for name, f in net(style, style_layers).items()}
    return P, A


def make_loop(
    *,
    combine=lambda ratio, l_content, l_style: ratio * l_content + l_style,
    layer_loss=style_loss,
    content_layer="conv4_2",
    style_layers=STYLE,
    weights=None,
    start="noise",
    clamp=True,
    per_step=False,
    targets_inside=False,
    targets_with_graph=False,
    optimise=True,
    finish=None,
):
    """The notebook's loop, with hooks for the mistakes a learner makes."""

    def loop(content, style, *, ratio, steps, seed):
        net = helpers.vgg19()
        if targets_with_graph:  # forgot that the targets must carry no graph
            content = content.clone().requires_grad_(True)
        if targets_with_graph:
            P = net(content, [content_layer])[content_layer]
            A = {name: gram_matrix(f) for name, f in net(style, style_layers).items()}
        else:
            P, A = _targets(net, content, style, content_layer, style_layers)
        w = weights or {name: 1 / len(style_layers) for name in style_layers}
        shape = tuple(content.shape[-2:])
        if start == "noise":
            x = helpers.noise_image(shape, seed=seed)
        elif start == "rand":
            x = torch.rand(1, 3, *shape, generator=torch.Generator().manual_seed(seed))
        else:
            x = content.detach().clone()
        x.requires_grad_(True)
        if not optimise:
            return x.detach()
        if per_step:  # Gatys' loop with the counter outside the closure: 20 evaluations per step
            opt = torch.optim.LBFGS([x], line_search_fn="strong_wolfe")
        else:
            opt = torch.optim.LBFGS([x], max_iter=steps, max_eval=steps, line_search_fn="strong_wolfe")
        count = [0]

        def closure():
            opt.zero_grad()
            nonlocal P, A
            if targets_inside:
                P, A = _targets(net, content, style, content_layer, style_layers)
            F = net(x, [content_layer, *style_layers])
            l_content = content_loss(F[content_layer], P)
            l_style = sum(w[name] * layer_loss(F[name], A[name]) for name in style_layers)
            total = combine(ratio, l_content, l_style)
            total.backward()
            count[0] += 1
            return total

        if per_step:
            for _ in range(steps):
                opt.step(closure)
        else:
            opt.step(closure)
        out = x.detach()
        out = out.clamp(0, 1) if clamp else out
        return finish(out) if finish else out

    return loop


def _gram_mse(F, A):  # the PyTorch tutorial's style loss: Gram / (N M), mean squared error
    n, m = F.shape[1], F.shape[2] * F.shape[3]
    return torch.nn.functional.mse_loss(gram_matrix(F) / (n * m), A / (n * m))


def _unnormalised(F, A):  # the 1/(4 N^2 M^2) left out
    return (gram_matrix(F) - A).pow(2).sum()


RIGHT = make_loop()

WRONG = {
    "no optimisation": (make_loop(optimise=False), "no optimisation happened"),
    "content ignored": (make_loop(combine=lambda r, c, s: s), "content"),
    "ratio ignored": (make_loop(combine=lambda r, c, s: c + s), "ratio"),
    "ratio inverted": (make_loop(combine=lambda r, c, s: c + r * s), "ratio"),
    "tutorial's style loss": (make_loop(layer_loss=_gram_mse), "normalis"),
    "no 1/(4N²M²)": (make_loop(layer_loss=_unnormalised), "1/(4 N_l² M_l²)"),
    "wrong content layer": (make_loop(content_layer="conv2_2"), "conv2_2"),
    "wrong style layers": (make_loop(style_layers=STYLE[:3]), "conv4_1"),
    "targets in the closure": (make_loop(targets_inside=True), "once"),
    "targets with a graph": (make_loop(targets_with_graph=True), "no_grad"),
    "counts optimizer steps": (make_loop(per_step=True), "closure"),
    "not clamped to [0, 1]": (make_loop(clamp=False, finish=lambda x: x * 255), "[0, 1]"),
    "no batch dimension": (make_loop(finish=lambda x: x[0]), "shape"),
}


def _verdict(fn, capsys) -> tuple[bool, str]:
    ok = exercises.check_style_transfer_loop(fn)
    return ok, capsys.readouterr().out.strip()


def test_the_right_loop_passes_and_matches_stylize(images_dir, capsys):
    ok, out = _verdict(RIGHT, capsys)
    assert ok, out
    assert out.endswith("✓ style_transfer_loop: correct")
    # The notebook's loop is stylize's loop: from the same noise, the same objective exactly.
    assert "1 at α/β = 0.001, 1 at α/β = 1 (20 evaluations, 36 x 48 px)" in out


def test_a_right_loop_from_other_starts_passes(images_dir, capsys):
    # The paper starts from white noise, Gatys' notebook from the photo: both are the algorithm.
    for start in ("rand", "content"):
        ok, out = _verdict(make_loop(start=start), capsys)
        assert ok, (start, out)


@pytest.mark.parametrize("name", list(WRONG))
def test_each_wrong_loop_is_named(name, images_dir, capsys):
    loop, message = WRONG[name]
    ok, out = _verdict(loop, capsys)
    assert not ok
    assert out.startswith("✗ style_transfer_loop:") and message in out, out


def test_a_learners_exception_is_reported(images_dir, capsys):
    def broken(content, style, *, ratio, steps, seed):
        raise NotImplementedError("write the loop")

    ok, out = _verdict(broken, capsys)
    assert not ok and "raised NotImplementedError: write the loop" in out


def test_the_check_is_deterministic(images_dir, capsys):
    first = _verdict(WRONG["ratio ignored"][0], capsys)
    assert _verdict(WRONG["ratio ignored"][0], capsys) == first
