"""The optimisation loop: exact step budgets, the best image kept, and every way a run can end."""

from __future__ import annotations

import math

import pytest
import torch

from helpers.base.errors import SettingsError, StopOptimization
from helpers.core.optimize import check_steps, optimize, run_jobs
from helpers.core.result import Result

TARGET = torch.full((1, 3, 8, 8), 0.7)


def quadratic(x: torch.Tensor):
    """A bowl with its minimum at TARGET: the loss is the squared distance."""
    loss = (x - TARGET).pow(2).sum()
    return loss, {"content": loss, "style": loss * 0}


def start() -> torch.Tensor:
    return torch.full((1, 3, 8, 8), 0.2)


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_each_step_is_one_loss_evaluation_and_the_loss_falls(optimizer):
    calls = []

    def counted(x):
        calls.append(1)
        return quadratic(x)

    result = optimize(counted, start(), steps=12, optimizer=optimizer, progress=False)
    assert len(calls) == len(result.history) == 12
    assert [e["step"] for e in result.history] == list(range(1, 13))
    assert result.stopped is None and result.message == "finished 12 steps"
    assert result.final["total"] < 0.5 * result.history[0]["total"]
    assert set(result.history[0]) == {"step", "content", "style", "total", "seconds"}


def test_lbfgs_reaches_the_minimum_of_a_bowl():
    result = optimize(quadratic, start(), steps=20, progress=False)
    assert torch.allclose(result.image, TARGET, atol=1e-3)
    assert result.image.shape == TARGET.shape and result.image.device.type == "cpu"


def test_lbfgs_history_size_and_line_search_reach_the_optimizer():
    # the benchmarks measure them (benchmarks/time_to_picture.py); an ignored option would tie
    scales = torch.logspace(0, 3, TARGET.numel()).reshape(TARGET.shape)

    def valley(x):  # ill-conditioned: L-BFGS's memory matters
        loss = (scales * (x - TARGET) ** 2).sum()
        return loss, {"content": loss}

    first = valley(start())[0].item()
    short, long = (optimize(valley, start(), steps=25, history_size=h, progress=False) for h in (1, 50))
    assert short.final["total"] != long.final["total"]
    assert max(short.final["total"], long.final["total"]) < 0.1 * first
    # without a line search each step is lr times L-BFGS's direction: a tiny lr barely moves
    fixed = optimize(valley, start(), steps=10, line_search=None, lr=1e-3, progress=False)
    searched = optimize(valley, start(), steps=10, progress=False)
    assert len(fixed.history) == 10 and fixed.final["total"] > 0.9 * first
    assert searched.final["total"] < 0.1 * first


def test_the_best_image_is_returned_not_the_last():
    # Adam with a large step overshoots the bowl's minimum and oscillates around it.
    result = optimize(quadratic, start(), steps=30, optimizer="adam", lr=0.5, progress=False)
    totals = result.losses("total")
    assert totals[-1] > min(totals)
    assert result.final["total"] == min(totals)
    assert result.best_step == 1 + totals.index(min(totals))


def test_the_image_is_clamped_to_the_valid_range():
    result = optimize(lambda x: ((x - 2).pow(2).sum(), {}), start(), steps=10, progress=False)
    assert result.image.max() <= 1.0


def test_a_callback_sees_each_step_and_can_stop_the_run():
    seen = []

    def callback(step, image, losses):
        seen.append((step, float(image.min()) >= 0, "total" in losses))
        if step == 3:
            raise StopOptimization

    result = optimize(quadratic, start(), steps=10, optimizer="adam", callback=callback, progress=False)
    assert seen == [(1, True, True), (2, True, True), (3, True, True)]
    assert result.stopped == "stopped" and "stopped after 3 of 10 steps" in result.message
    assert "returning the best image so far" in result.message


def test_ctrl_c_ends_the_run_and_keeps_the_best_image():
    def interrupt(step, image, losses):
        if step == 2:
            raise KeyboardInterrupt

    result = optimize(quadratic, start(), steps=10, optimizer="adam", callback=interrupt, progress=False)
    assert result.stopped == "interrupted" and len(result.history) == 2


def test_a_nan_loss_ends_the_run_as_diverged_with_advice():
    def nan_at_third(x, calls=[]):  # noqa: B006 - counts calls across this one run
        calls.append(1)
        loss, terms = quadratic(x)
        return (loss * math.nan if len(calls) == 3 else loss), terms

    result = optimize(nan_at_third, start(), steps=10, optimizer="adam", progress=False)
    assert result.stopped == "diverged" and len(result.history) == 3
    assert "lower lr" in result.message and result.best_step in (1, 2)


def test_a_loss_that_is_not_finite_at_the_start_names_the_weights():
    result = optimize(lambda x: (x.sum() * math.inf, {}), start(), steps=5, progress=False)
    assert result.stopped == "diverged" and "before any step" in result.message


def test_adam_that_blows_up_is_stopped():
    result = optimize(quadratic, start(), steps=50, optimizer="adam", lr=1e6, progress=False)
    assert result.stopped == "diverged" and "lower lr (now 1e+06" in result.message


def test_step_offset_and_settings_are_carried_into_the_result():
    result = optimize(quadratic, start(), steps=3, progress=False, step_offset=10, settings={"seed": 4})
    assert [e["step"] for e in result.history] == [11, 12, 13]
    assert result.settings == {"seed": 4}


@pytest.mark.parametrize("bad", [0, -3, 2.5, "many", None, math.inf])
def test_check_steps_refuses_what_is_not_a_positive_whole_number(bad):
    with pytest.raises(SettingsError, match="steps must"):
        check_steps(bad)
    assert check_steps(300.0) == 300 and check_steps("7") == 7


def test_run_jobs_runs_in_order_and_reports_each():
    made = {key: Result(torch.zeros(1, 3, 2, 2), settings={"key": key}) for key in "abc"}
    order, reports = [], []

    def job(key):
        return lambda: order.append(key) or made[key]

    results = run_jobs({k: job(k) for k in "abc"}, lambda *a: reports.append(a[:4]), "demo")
    assert order == list("abc") and results == made
    assert reports == [("demo", "a", 1, 3), ("demo", "b", 2, 3), ("demo", "c", 3, 3)]


def test_run_jobs_stops_everything_when_one_run_was_interrupted():
    interrupted = Result(torch.zeros(1, 3, 2, 2), stopped="interrupted")
    later = []
    jobs = {"first": lambda: interrupted, "second": lambda: later.append(1)}
    with pytest.raises(KeyboardInterrupt):
        run_jobs(jobs, False, "demo")
    assert later == []
