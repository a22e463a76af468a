"""Memory estimates from the layer shapes, and the one-line refusal of a run that would not fit."""

from __future__ import annotations

import pytest
from PIL import Image

from helpers.base.errors import SettingsError
from helpers.core import memory
from helpers.core.layers import CHANNELS, CONTENT_LAYERS, STYLE_LAYERS, feature_shapes

PAPER = {"content_layers": CONTENT_LAYERS, "style_layers": STYLE_LAYERS}


def test_the_responses_kept_are_the_sum_of_the_feature_maps_up_to_the_deepest_layer():
    est = memory.estimate((64, 64), content_layers=[], style_layers=["conv1_1"], steps=1)
    # conv1_1 only: 64 maps of 64x64 in float32 (its ReLU is in place, so one copy).
    assert est.activations == 64 * 64 * 64 * memory.FP32
    deeper = memory.estimate((64, 64), content_layers=[], style_layers=["conv2_1"], steps=1)
    extra = sum(
        n * h * w for name, (n, h, w) in feature_shapes((64, 64), "conv2_1").items() if name != "conv1_1"
    )
    assert deeper.activations - est.activations == extra * memory.FP32


def test_what_depends_on_the_image_grows_with_its_pixels_and_the_weights_do_not():
    small, large = (memory.estimate(s, **PAPER) for s in ((128, 128), (256, 256)))
    for part in ("activations", "backward", "optimizer", "images"):
        assert getattr(large, part) == 4 * getattr(small, part), part
    assert large.weights == small.weights > 80_000_000  # 20 million float32 parameters


def test_lbfgs_history_is_the_largest_optimiser_state_and_adam_keeps_two_moments():
    lbfgs = memory.estimate((256, 256), **PAPER, optimizer="lbfgs", steps=300)
    adam = memory.estimate((256, 256), **PAPER, optimizer="adam", steps=300)
    pixels = 3 * 256 * 256
    assert lbfgs.optimizer == memory.VECTORS_PER_PAIR * 100 * pixels * memory.FP32  # capped at 100 pairs
    assert adam.optimizer == 2 * pixels * memory.FP32
    short = memory.estimate((256, 256), **PAPER, optimizer="lbfgs", steps=10)
    assert short.optimizer == memory.VECTORS_PER_PAIR * 10 * pixels * memory.FP32


def test_bf16_halves_the_responses_and_max_pooling_adds_its_indices():
    fp32 = memory.estimate((128, 128), content_layers=[], style_layers=["conv1_1"])
    bf16 = memory.estimate((128, 128), content_layers=[], style_layers=["conv1_1"], bf16=True)
    assert bf16.backward * 2 == fp32.backward
    avg = memory.estimate((128, 128), **PAPER, pooling="avg")
    mx = memory.estimate((128, 128), **PAPER, pooling="max")
    pools = sum(
        n * h * w for name, (n, h, w) in feature_shapes((128, 128), "conv5_1").items() if "pool" in name
    )
    assert mx.activations - avg.activations == pools * memory.INT64


def test_style_targets_are_gram_matrices_one_set_per_style_image():
    one = memory.estimate((64, 64), style_layers=STYLE_LAYERS, style_shapes=[(64, 64)])
    two = memory.estimate((64, 64), style_layers=STYLE_LAYERS, style_shapes=[(64, 64)] * 2)
    grams = sum(CHANNELS[name] ** 2 for name in STYLE_LAYERS) * memory.FP32
    assert one.targets == grams and two.targets == 2 * grams


def test_describe_names_the_total_and_its_largest_parts():
    text = memory.estimate((512, 512), **PAPER).describe()
    assert text.startswith("about ") and "responses kept for backward" in text and "GB" in text


def test_a_run_that_does_not_fit_is_refused_with_a_size_that_does(monkeypatch):
    monkeypatch.delenv("NST_MEMORY_CHECK", raising=False)
    free = 1_000_000_000
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": free)
    with pytest.raises(SettingsError) as info:
        memory.check((1536, 2048), size=2048, **PAPER, style_shapes=[(1536, 2048)])
    message = str(info.value)
    assert message.startswith("size=2048 needs about") and "only 1.0 GB of memory is free" in message
    assert "\n" not in message
    suggested = int(message.split("use size=")[1].split()[0])
    fits = memory.estimate(
        (suggested * 3 // 4, suggested), **PAPER, style_shapes=[(suggested * 3 // 4, suggested)]
    )
    assert 64 <= suggested < 2048 and fits.total <= memory.HEADROOM * free


def test_a_run_that_fits_returns_its_estimate(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 10**12)
    assert memory.check((64, 64), **PAPER).total == memory.estimate((64, 64), **PAPER).total


def test_the_check_can_be_switched_off_but_not_by_a_typo(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 1000)
    monkeypatch.setenv("NST_MEMORY_CHECK", "0")
    assert memory.check((512, 512), **PAPER).total > 1000
    monkeypatch.setenv("NST_MEMORY_CHECK", "nope")
    with pytest.raises(SettingsError, match="NST_MEMORY_CHECK='nope' is not a yes/no value"):
        memory.check((512, 512), **PAPER)


def test_unknown_free_memory_lets_the_run_go(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": None)
    assert memory.check((4096, 4096), **PAPER).total > 0


def test_check_stylize_reads_the_shapes_from_the_headers(tmp_path, monkeypatch):
    photo, painting = tmp_path / "photo.png", tmp_path / "painting.png"
    Image.new("RGB", (400, 300)).save(photo)
    Image.new("RGB", (300, 300)).save(painting)
    monkeypatch.setattr(memory, "available_bytes", lambda device="cpu": 10**12)
    est = memory.check_stylize(photo, [painting], size=200, style_size=200, shape=None, **PAPER)
    assert est is not None and est.shape == (150, 200)
    texture = memory.check_stylize(None, [painting], size=120, style_size=120, shape=(60, 90), **PAPER)
    assert texture.shape == (60, 90)
    # A texture has no content target: only the Gram matrices of the one style image.
    assert texture.targets == sum(CHANNELS[n] ** 2 for n in STYLE_LAYERS) * memory.FP32


def test_available_bytes_on_this_machine():
    free = memory.available_bytes("cpu")
    assert free is None or free > 0
