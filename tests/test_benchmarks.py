"""The benchmarks run (in quick mode) and compare like with like. They print figures; no timing
is asserted here (speed targets live in the benchmark output and benchmarks/RESULTS.md)."""

from __future__ import annotations

import os
import subprocess
import sys

import torch

from benchmarks import run as bench
from benchmarks import time_to_picture
from tests.conftest import ROOT


def test_tutorial_structure_computes_the_same_features_as_ours(images_dir):
    """The baseline gets the same weights and input convention, so only the structure differs."""
    import helpers

    content, style = bench.images(64)
    model, style_losses, content_losses = bench.baseline_setup(content, style, torch.device("cpu"))
    # the tutorial keeps VGG's max pooling
    ours = helpers.vgg19("caffe", "max", "cpu")(content, ["conv4_2"])["conv4_2"]
    assert torch.allclose(content_losses[0].target, ours, rtol=1e-4, atol=1e-2)
    assert len(style_losses) == 5
    # the structure keeps gradients on the weights, as timed
    assert any(p.requires_grad for p in model.parameters())


def test_vgg_flop_count_by_hand():
    # conv1_1 alone on 32x32: 32*32 positions x 64 filters x 3 channels x 9 taps
    macs = bench.vgg_macs((32, 32), last="conv1_1")
    assert macs == 32 * 32 * 64 * 3 * 9
    # conv1_1 + conv1_2 + pool1 + conv2_1 (at 16x16)
    assert bench.vgg_macs((32, 32), last="conv2_1") == macs + 32 * 32 * 64 * 64 * 9 + 16 * 16 * 128 * 64 * 9


def test_benchmarks_run_in_quick_mode(images_dir):
    # as `make bench` runs it: `python -m` from the root folder, which puts that folder on the path
    env = dict(os.environ, NST_MODE="quick")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            *("compare", "absolute", "quality", "evaluations", "goal", "large"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert "tutorial structure (fp32)" in out and "helpers.stylize (fp32)" in out
    assert "speed-up" in out and "GFLOP/s" in out and "target: total loss" in out
    # the goal: the plain loop, another seed, the defaults and coarse to fine, each with a time or
    # "not reached", and the PSNR against the loop's picture
    goal = out[out.index("## goal") :]
    for route in (
        "plain loop (fp32, eager), seed 0",
        "plain loop, seed 1",
        "package defaults",
        "coarse to fine",
    ):
        assert route in goal
    goal, large = goal[: goal.index("## large")], goal[goal.index("## large") :]
    # seed 1 and each route (bf16 alone is a route where this CPU runs it natively)
    assert goal.count(" dB") == 1 + len(time_to_picture.routes(64, 6, torch.device("cpu")))
    # every change to the loop with its evaluations to the target (or "diverged", "> N")
    evaluations = out[out.index("## evaluations") : out.index("## goal")]
    for route in (*time_to_picture.LOOP_VARIANTS, "seed 1", "coarse to fine", "three scales"):
        assert route in evaluations
    assert evaluations.count(" dB") == 8
    # the large route: each scale's seconds and the peak memory of its own process
    assert "48 px:" in large and "64 px:" in large and "peak RSS" in large
