"""stylize: the loss falls, runs repeat exactly, and every early end keeps the best image."""

from __future__ import annotations

import json
import math

import pytest
import torch

import helpers
from helpers.base.errors import SettingsError, StopOptimization
from helpers.core.objective import Objective
from helpers.imaging.images import resize
from helpers.synthesis.stylize import dithered, flat_share


def _run(content, style, **kw):
    kw = {"size": 64, "steps": 20, "progress": False, "device": "cpu", **kw}
    return helpers.stylize(content, style, **kw)


def test_total_loss_falls_on_a_64px_pair(content64, style64):
    result = _run(content64, style64)
    totals = result.losses("total")
    assert len(totals) == 20 and result.stopped is None
    assert min(totals) < 0.25 * totals[0]
    assert result.image.shape == (1, 3, 48, 64)
    assert result.image.min() >= 0 and result.image.max() <= 1
    assert result.final["total"] == min(totals)  # the returned image is the best one


def test_same_seed_same_image_other_seed_other_image(content64, style64):
    a = _run(content64, style64, steps=8, seed=3)
    b = _run(content64, style64, steps=8, seed=3)
    c = _run(content64, style64, steps=8, seed=4)
    assert torch.equal(a.image, b.image)
    assert a.losses() == b.losses()
    assert not torch.equal(a.image, c.image)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_both_precisions_are_deterministic(content64, style64, precision):
    a = _run(content64, style64, steps=5, precision=precision)
    b = _run(content64, style64, steps=5, precision=precision)
    assert torch.equal(a.image, b.image)
    assert a.settings["precision"] == precision


def test_adam_also_lowers_the_loss(content64, style64):
    result = _run(content64, style64, optimizer="adam", steps=30, lr=0.05)
    totals = result.losses()
    assert len(totals) == 30 and min(totals) < 0.5 * totals[0]


def test_content_reconstruction_and_texture_synthesis(content64, style64):
    recon = _run(content64, None, content_layers=["conv2_1"], steps=30)
    assert recon.settings["style_layers"] == [] and recon.losses("style")[-1] == 0
    assert recon.final["content"] < 0.2 * recon.history[0]["content"]
    texture = _run(None, style64, steps=30)
    assert texture.final["content"] == 0 and texture.final["style"] < 0.2 * texture.history[0]["style"]
    assert texture.image.shape[-2:] == (64, 64)


def test_targets_are_computed_once(content64, style64, monkeypatch):
    net = helpers.vgg19("caffe", "avg", "cpu")
    calls = []
    original = type(net).forward

    def counting(self, image, layers=None):
        calls.append(image.requires_grad)
        return original(self, image, layers)

    monkeypatch.setattr(type(net), "forward", counting)
    _run(content64, style64, steps=6)
    # two target passes without gradients (content, style), then one pass per step
    assert calls == [False, False] + [True] * 6


def test_callback_sees_every_step_and_can_stop_the_run(content64, style64):
    seen = []

    def callback(step, image, losses):
        seen.append((step, losses["total"]))
        assert image.shape == (1, 3, 48, 64) and not image.requires_grad
        if step == 7:
            raise StopOptimization

    result = _run(content64, style64, callback=callback)
    assert [s for s, _ in seen] == list(range(1, 8))
    assert result.stopped == "stopped" and len(result.history) == 7
    assert "best image so far" in result.message
    assert result.final["total"] == min(t for _, t in seen)


def test_keyboard_interrupt_returns_the_best_image_so_far(content64, style64):
    def ctrl_c(step, image, losses):
        if step == 5:
            raise KeyboardInterrupt

    result = _run(content64, style64, callback=ctrl_c)
    assert result.stopped == "interrupted" and len(result.history) == 5
    assert torch.isfinite(result.image).all() and result.best_step >= 1


def test_divergence_stops_at_once_and_names_the_setting(content64, style64):
    result = _run(content64, style64, optimizer="adam", lr=1e30, steps=20)
    assert result.stopped == "diverged"
    assert not math.isfinite(result.history[-1]["total"]) and len(result.history) < 20
    assert "lower lr" in result.message
    assert torch.isfinite(result.image).all()


def test_style_of_another_size_is_matched_per_position(style64):
    """A^l is rescaled to the output's M_l: a style tiled 2 x 2 (4x the positions) gives ~one target."""
    net = helpers.vgg19(weights=None, device="cpu")
    big = style64.repeat(1, 1, 2, 2)
    a = Objective(
        net, None, [style64], output_shape=(64, 64), style_layers=["conv1_1"], layer_weights={"conv1_1": 1}
    )
    b = Objective(
        net, None, [big], output_shape=(64, 64), style_layers=["conv1_1"], layer_weights={"conv1_1": 1}
    )
    ratio = (b.style_targets[0]["conv1_1"].sum() / a.style_targets[0]["conv1_1"].sum()).item()
    assert ratio == pytest.approx(1.0, rel=0.05)
    unscaled = (
        helpers.gram_matrix(net(big, ["conv1_1"])["conv1_1"]).sum() / a.style_targets[0]["conv1_1"].sum()
    )
    assert unscaled.item() == pytest.approx(4.0, rel=0.05)  # without the rescaling it would be 4x


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"steps": 0}, "steps must be at least 1"),
        ({"ratio": -1}, "ratio"),
        ({"ratio": float("nan")}, "ratio"),
        ({"layer_weights": [1, 1, float("nan"), 1, 1]}, "layer weight of conv3_1"),
        ({"layer_weights": [1, 1]}, "2 values for 5 style layers"),
        ({"style_layers": ["conv9_9"]}, "unknown style layer"),
        ({"content_layers": ["relu4_2"]}, "unknown content layer"),
        ({"optimizer": "sgd"}, "lbfgs"),
        ({"init": "zeros"}, "noise"),
        ({"device": "gpu0"}, "device"),
        ({"precision": "fp8"}, "precision"),
    ],
)
def test_bad_settings_fail_in_one_line(content64, style64, kwargs, match):
    with pytest.raises(SettingsError, match=match) as info:
        _run(content64, style64, **kwargs)
    assert "\n" not in str(info.value)


def test_init_from_content_and_style(content64, style64):
    from_content = _run(content64, style64, init="content", steps=1)
    assert from_content.history[0]["content"] == pytest.approx(0.0, abs=1e-3)
    from_style = _run(content64, style64, init="style", steps=1)
    assert from_style.history[0]["content"] > 0


def test_result_saves_png_and_settings(tmp_path, content64, style64):
    result = _run(content64, style64, steps=3)
    path = result.save(tmp_path / "out" / "x.png")
    summary = json.loads(path.with_suffix(".json").read_text())
    assert summary["settings"]["steps"] == 3 and summary["settings"]["seed"] == 0
    assert summary["settings"]["style_layers"] == list(helpers.STYLE_LAYERS)
    assert set(summary["final_losses"]) >= {"content", "style", "total"}
    assert helpers.load_image(path).shape == result.image.shape
    assert result._repr_png_().startswith(b"\x89PNG")


def test_paper_defaults():
    import inspect

    params = inspect.signature(helpers.stylize).parameters
    # ratio=None means the style loss's own default: the paper's 1e-3 for its Gram matrices
    assert params["ratio"].default is None and params["style_loss"].default == "gram"
    assert helpers.losses.GramStatistic.default_ratio == 1e-3 and params["init"].default == "noise"
    assert params["optimizer"].default == "lbfgs" and params["weights"].default == "caffe"
    assert params["pooling"].default == "avg"
    assert tuple(params["content_layers"].default) == ("conv4_2",)
    assert tuple(params["style_layers"].default) == ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")


def test_a_flat_start_neither_stalls_nor_diverges_in_bf16(images_dir):
    # bf16 sees the input in steps of about a grey level: undithered, this run stalled, then diverged
    red = torch.zeros(1, 3, 48, 64)
    red[:, 0], red[:, 1:] = 200 / 255, 30 / 255
    red = resize(red, (36, 48))  # resampled, as a file's start is: flat only to about 1e-7
    run = dict(size=48, steps=30, init=red, progress=False)
    result = helpers.stylize("tubingen", "starry_night", precision="bf16", **run)
    assert result.stopped is None
    assert result.final["total"] < 0.05 * result.history[0]["total"]
    # the dither: seeded, at most one grey level, and only for a flat start
    once, again = dithered(red, seed=0), dithered(red, seed=0)
    assert torch.equal(once, again) and 0 < (once - red).abs().max() <= 1 / 255 + 1e-6
    assert flat_share(red) == 1 and flat_share(once) == 0
    photo = helpers.load_image("tubingen", 48)
    assert flat_share(photo) < 0.01
    # float32, or a photo in bf16, starts from the image itself: from the photo, no content loss
    seen = []
    run.update(steps=1, callback=lambda step, image, losses: seen.append(image))
    helpers.stylize("tubingen", "starry_night", precision="fp32", **run)
    assert torch.equal(seen[0], red)
    from_photo = helpers.stylize("tubingen", "starry_night", precision="bf16", **{**run, "init": "content"})
    assert from_photo.history[0]["content"] == 0
