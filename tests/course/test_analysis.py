"""The measurements and plots behind notebooks 04-06: pixel errors, per-layer style losses, loss scaling."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
import torch
import torch.nn.functional as F

import helpers
from helpers import analysis
from helpers.core.vgg import STYLE_LAYERS
from helpers.course.plotting import plot_bars, plot_runs


def test_rms_difference():
    a = torch.rand(1, 3, 20, 30, generator=torch.Generator().manual_seed(0))
    assert analysis.rms_difference(a, a) == 0.0
    assert analysis.rms_difference(a, a + 0.1) == pytest.approx(0.1, rel=1e-5)
    assert analysis.rms_difference(a, F.interpolate(a, size=(10, 15))) > 0  # resized to compare


def test_reconstruction_errors_separate_layout_from_detail(content64):
    blocks = F.interpolate(F.avg_pool2d(content64, 8), size=content64.shape[-2:], mode="nearest")
    flipped = content64.flip(-1)
    errors = analysis.reconstruction_errors(
        content64, {"same": content64, "blocky": blocks, "brighter": content64 + 0.1, "flipped": flipped}
    )
    assert all(errors[m]["same"] == 0.0 for m in ("pixels", "coarse", "detail"))
    assert errors["coarse"]["blocky"] < 1e-6 < errors["detail"]["blocky"]  # only the detail is gone
    assert errors["detail"]["brighter"] < 1e-6 < errors["coarse"]["brighter"]  # only the colour moved
    assert errors["pixels"]["brighter"] == pytest.approx(0.1, rel=1e-4)
    for name in ("same", "blocky", "brighter"):  # light and dark stay where they were
        assert errors["layout"][name] == pytest.approx(1.0, abs=1e-6)
    assert errors["layout"]["flipped"] < 0.9  # the disc moved


def test_layer_style_losses_are_eq4_per_layer(content64, style64):
    net = helpers.vgg19(None, "avg", "cpu")
    losses = analysis.layer_style_losses(content64, style64, net=net)
    assert list(losses) == list(STYLE_LAYERS)
    with torch.no_grad():
        fc, fs = net(content64, ["conv2_1"])["conv2_1"], net(style64, ["conv2_1"])["conv2_1"]
    scale = fc.shape[2:].numel() / fs.shape[2:].numel()  # 48x64 image, 64x64 style
    expected = helpers.style_loss(fc, helpers.gram_matrix(fs) * scale)
    assert losses["conv2_1"] == pytest.approx(float(expected), rel=1e-5)
    assert all(v == 0.0 for v in analysis.layer_style_losses(style64, style64, net=net).values())


def test_scaling_alpha_and_beta_together_leaves_the_lbfgs_path(content64, style64):
    runs = analysis.loss_scale_runs(content64, style64, scales=(1.0, 1e-3), size=64, steps=8, progress=False)
    small, tiny = runs[1.0], runs[1e-3]
    assert (tiny.settings["alpha"], tiny.settings["beta"]) == (pytest.approx(1e-6), 1e-3)
    assert len(small.history) == len(tiny.history) == 8
    assert small.final["style"] < small.history[0]["style"]
    assert tiny.history[0]["total"] == pytest.approx(1e-3 * small.history[0]["total"], rel=1e-5)
    for a, b in zip(small.history[:4], tiny.history[:4]):  # the same path: the unscaled terms agree
        assert a["style"] == pytest.approx(b["style"], rel=1e-3)
    # float32 rounding differs between the two, and line searches amplify it a little
    assert analysis.rms_difference(small.image, tiny.image) < 2e-3


def test_plot_runs_and_plot_bars():
    history = [{"step": i + 1, "total": 10.0 / (i + 1)} for i in range(5)]
    ax = plot_runs({"a": history, "b": history[:3]}, relative=True)
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert ax.lines[0].get_ydata()[0] == 1.0 and ax.get_yscale() == "log"
    ax = plot_bars({"x": {"conv1_1": 1.0, "conv2_1": 2.0}, "y": {"conv1_1": 3.0, "conv2_1": 4.0}}, log=True)
    assert len(ax.patches) == 4 and [t.get_text() for t in ax.get_xticklabels()] == ["conv1_1", "conv2_1"]
    ax = plot_bars({"p": 1.0, "q": 2.0, "r": 0.5})
    assert [p.get_height() for p in ax.patches] == [1.0, 2.0, 0.5]


def test_seconds_per_step_times_one_pass_and_its_backward():
    net = helpers.vgg19(None)  # random weights: the timing does not depend on them
    seconds = analysis.seconds_per_step(net, (32, 40), repeats=2)
    assert 0 < seconds < 30


def test_balanced_ratio_and_style_loss_values_on_the_papers_pair(caffe_net, images_dir):
    from helpers.extensions.style_losses import BALANCED_RATIO, STYLE_LOSSES

    ratio = helpers.analysis.balanced_ratio("histogram", "tubingen", "starry_night", size=64, net=caffe_net)
    assert BALANCED_RATIO / 2 < ratio < 2 * BALANCED_RATIO  # the default's calibration, at a small size
    assert helpers.analysis.balanced_ratio("gram", "tubingen", "starry_night", size=48, net=caffe_net) == 1e-3
    style = helpers.load_image("starry_night", 64)
    values = helpers.analysis.style_loss_values(
        {"style": style, "noise": helpers.noise_image((48, 64))}, "starry_night", net=caffe_net
    )
    assert set(values["noise"]) == set(STYLE_LOSSES)
    assert all(v == pytest.approx(0.0, abs=1e-3) for v in values["style"].values())
    assert all(v > 1.0 for v in values["noise"].values())
    cost = analysis.seconds_per_evaluation("mean_std", style, style, size=48, net=caffe_net, repeats=1)
    assert 0 < cost < 60
