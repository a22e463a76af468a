"""layer_table: VGG19's shapes and receptive fields, checked against the network itself.

The receptive fields come from a recursion; here they are measured independently, as the support
of the input gradient of one centre unit of a random-weights VGG19 (autograd, no arithmetic).
"""

from __future__ import annotations

import pytest
import torch

import helpers
from helpers.base.errors import SettingsError
from helpers.core.vgg import CHANNELS, LAYERS, layer_table, unit_gradient


def test_the_table_has_every_layer_with_its_channels_and_positions():
    rows = layer_table((192, 256))
    assert [r.name for r in rows] == list(LAYERS)
    assert [r.channels for r in rows] == [CHANNELS[name] for name in LAYERS]
    assert all(r.positions == r.height * r.width for r in rows)
    by_name = {r.name: r for r in rows}
    assert (by_name["conv1_1"].height, by_name["conv1_1"].width) == (192, 256)
    assert (by_name["conv4_2"].height, by_name["conv4_2"].width, by_name["conv4_2"].stride) == (24, 32, 8)
    assert (by_name["pool5"].height, by_name["pool5"].width, by_name["pool5"].stride) == (6, 8, 32)
    assert layer_table(100)[LAYERS.index("pool5")][2:4] == (3, 3)  # 100 -> 50 -> 25 -> 12 -> 6 -> 3


@pytest.mark.parametrize("size", [(64, 96), (75, 33), 57])
def test_shapes_match_the_network(size):
    net = helpers.vgg19(weights=None, device="cpu")
    h, w = (size, size) if isinstance(size, int) else size
    out = net(torch.rand(1, 3, h, w), LAYERS)
    for row in layer_table(size):
        assert tuple(out[row.name].shape[1:]) == (row.channels, row.height, row.width), row.name


def test_receptive_fields_equal_the_support_of_the_input_gradient():
    """For each layer: a tall, narrow random image; the rows where the centre unit's gradient is
    nonzero must be exactly the predicted window (its width and its position)."""
    net = helpers.vgg19(weights=None, device="cpu")
    generator = torch.Generator().manual_seed(0)
    for row in layer_table(32):
        r, j = row.receptive_field, row.stride
        height = 32 * -(-(r + 2 * j) // 32)  # room for the whole field around the centre
        image = torch.rand(1, 3, height, 32, generator=generator)
        rows = (unit_gradient(net, row.name, image).sum(1) > 0).nonzero().flatten()
        centre = (height // j) // 2
        start = centre * j - (r - j) // 2  # the zero padding shifts the window by (r - j) / 2
        assert (rows.min().item(), rows.max().item()) == (start, start + r - 1), row.name
        assert len(rows) == r, f"{row.name}: the support has holes"


def test_receptive_field_across_the_width_too():
    net = helpers.vgg19(weights=None, device="cpu")
    image = torch.rand(1, 3, 32, 128, generator=torch.Generator().manual_seed(1))
    grad = unit_gradient(net, "conv4_2", image)
    columns = (grad.sum(0) > 0).nonzero().flatten()
    assert columns.max() - columns.min() + 1 == 84


def test_receptive_fields_grow_as_the_paper_describes():
    rf = {r.name: r.receptive_field for r in layer_table(224)}
    assert rf["conv1_1"] == 3 and rf["conv1_2"] == 5 and rf["pool1"] == 6
    assert rf["conv4_2"] == 84 and rf["conv5_1"] == 156 and rf["pool5"] == 268


def test_a_bad_size_is_refused():
    with pytest.raises(SettingsError, match="positive"):
        layer_table(0)


def test_unit_gradient_refuses_unknown_layers():
    with pytest.raises(SettingsError, match="relu4_2"):
        unit_gradient(helpers.vgg19(weights=None, device="cpu"), "relu4_2", torch.rand(1, 3, 32, 32))
