"""torch.compile of an evaluation: the automatic choice, the fallback, and the real thing."""

from __future__ import annotations

import warnings

import pytest
import torch

import helpers
from helpers.base.errors import CompileWarning
from helpers.core import compiled
from helpers.core.compiled import CompiledLosses, compile_objective, pays
from helpers.core.objective import Objective


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch):
    """Each test starts from a process that has compiled nothing and seen no failure."""
    monkeypatch.setattr(compiled, "_compiled_keys", set())
    monkeypatch.setattr(compiled, "_evaluations", compiled.Counter())
    monkeypatch.setattr(compiled, "_unavailable", [])


class FakeObjective:
    """An objective's evaluator interface without a network: one loss, the image's mean."""

    layers, style_targets, bf16 = ("conv1_1",), [{}], False

    def layer_losses(self, image):
        return {"style0/conv1_1": image.mean()}


def clocked(monkeypatch, seconds_per_call: float):
    """Make every evaluation look ``seconds_per_call`` long to the automatic choice."""
    ticks = iter(range(10_000))
    monkeypatch.setattr(compiled, "_clock", lambda: next(ticks) * seconds_per_call)


def fake_compiler(monkeypatch, fail: Exception | None = None) -> list:
    """Replace torch.compile's result with a function that records its calls (or fails)."""
    calls = []

    def run(objective, image):
        calls.append(image.shape)
        if fail is not None:
            raise fail
        return objective.layer_losses(image)

    monkeypatch.setattr(compiled, "_compiled", lambda: run)
    return calls


def test_compiling_pays_only_when_the_time_saved_exceeds_the_warm_up():
    warm = compiled.WARMUP_SECONDS["cpu"] / compiled.SAVING["cpu", False]  # eager seconds to break even
    assert not pays(1.0, int(warm * 0.9), "cpu")
    assert pays(1.0, int(warm * 1.1), "cpu")
    assert pays(0.1, int(10 * warm * 1.1), "cpu") and not pays(0.1, int(warm * 1.1), "cpu")
    assert pays(1.0, int(warm * 0.5), "cpu", bf16=True)  # bf16 kernels gain more from compiling


@pytest.mark.parametrize(("seconds", "expected"), [(0.01, False), (5.0, True)])
def test_the_automatic_choice_times_the_first_evaluations(monkeypatch, seconds, expected):
    clocked(monkeypatch, seconds)
    calls = fake_compiler(monkeypatch)
    evaluator = CompiledLosses(FakeObjective(), mode=None, steps=300)
    x = torch.ones(1, 3, 8, 8)
    for _ in range(compiled.PROBE):
        evaluator(x)
    assert not calls  # eager while timing
    evaluator(x)
    assert evaluator.used is expected
    # when compiling: one warm-up call (forward and backward on a copy), then the evaluation
    assert len(calls) == (2 if expected else 0)


def test_evaluations_spent_at_one_shape_count_as_evaluations_to_come(monkeypatch):
    """A figure's second run at a shape compiles where a single run would not."""
    clocked(monkeypatch, 2.0)  # 2 s per evaluation: 100 left save 20 s, under the 40 s warm-up
    fake_compiler(monkeypatch)
    x = torch.ones(1, 3, 8, 8)
    first = CompiledLosses(FakeObjective(), mode=None, steps=100)
    for _ in range(100):
        first(x)
    assert not first.used
    second = CompiledLosses(FakeObjective(), mode=None, steps=200)
    for _ in range(compiled.PROBE + 1):
        second(x)
    assert second.used


def test_false_means_eager_and_true_compiles_before_the_first_evaluation(monkeypatch):
    calls = fake_compiler(monkeypatch)
    objective = FakeObjective()
    assert compile_objective(objective, mode=False, steps=10) is None
    evaluator = compile_objective(objective, mode=True, steps=10)
    evaluator(torch.ones(1, 3, 8, 8))
    assert evaluator.used and len(calls) == 2


def test_a_failing_compiler_means_one_line_and_eager(monkeypatch, content64, style64):
    """No C++ compiler, an unsupported platform: the run goes on eager, and later runs do not retry."""
    calls = fake_compiler(monkeypatch, fail=RuntimeError("C++ compiler not found: g++\nlong details"))
    run = dict(size=32, steps=3, weights=None, progress=False, precision="fp32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = helpers.stylize(content64, style64, compile=True, **run)
        again = helpers.stylize(content64, style64, compile=True, **run)
    notes = [w for w in caught if issubclass(w.category, CompileWarning)]
    assert len(notes) == 1 and "\n" not in str(notes[0].message)
    assert "C++ compiler not found" in str(notes[0].message) and "running eager" in str(notes[0].message)
    assert len(calls) == 1  # tried once, in the first run's warm-up
    eager = helpers.stylize(content64, style64, compile=False, **run)
    for r in (result, again):
        assert r.stopped is None and len(r.history) == 3 and r.settings["compile"] is False
        assert [h["total"] for h in r.history] == [h["total"] for h in eager.history]


def test_compiled_evaluations_match_eager_and_are_reused(caffe_net):
    """The real torch.compile on a small objective (the network to conv2_1 only, to keep the
    warm-up short): the same losses and gradient as eager, and a second objective of that shape,
    with other targets and weights, runs on the same graph."""
    from torch._dynamo.utils import counters

    def objective(seed: int, alpha: float) -> Objective:
        g = torch.Generator().manual_seed(seed)
        content, style = torch.rand(1, 3, 24, 32, generator=g), torch.rand(1, 3, 24, 32, generator=g)
        layers = ["conv1_1", "conv2_1"]
        weights = {n: 0.5 for n in layers}
        return Objective(
            caffe_net, content, [style], output_shape=(24, 32), content_layers=["conv2_1"],
            style_layers=layers, layer_weights=weights, alpha=alpha,
        )  # fmt: skip

    def evaluate(obj: Objective, x: torch.Tensor):
        x = x.clone().requires_grad_(True)
        total, _ = obj(x)
        total.backward()
        return total.detach(), x.grad

    x = torch.rand(1, 3, 24, 32, generator=torch.Generator().manual_seed(9))
    first = objective(0, 1e-3)
    eager_total, eager_grad = evaluate(first, x)
    evaluator = compile_objective(first, mode=True, steps=5)
    total, grad = evaluate(first, x)
    assert evaluator.used
    torch.testing.assert_close(total, eager_total, rtol=1e-4, atol=0)
    torch.testing.assert_close(grad, eager_grad, rtol=1e-3, atol=1e-6 * eager_grad.abs().max().item())
    graphs = counters["stats"]["unique_graphs"]
    second = objective(1, 1e-2)  # other images, other ratio: same shape and layers
    compile_objective(second, mode=None, steps=5)
    evaluate(second, x)
    assert second.evaluator.used  # this process has the graph: no warm-up to weigh
    assert counters["stats"]["unique_graphs"] == graphs  # no new graph was compiled


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here: the GPU path needs one")
def test_compiled_evaluations_on_a_gpu_match_eager(content64, style64):
    run = dict(size=64, steps=5, progress=False, device="cuda", precision="fp32")
    eager = helpers.stylize(content64, style64, compile=False, **run)
    fast = helpers.stylize(content64, style64, compile=True, **run)
    assert fast.settings["compile"] is True
    first = [h["total"] for h in eager.history][:2]
    assert [h["total"] for h in fast.history][:2] == pytest.approx(first, rel=1e-3)
