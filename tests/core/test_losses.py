"""The paper's equations, checked against hand-worked values and independent formulas."""

from __future__ import annotations

import pytest
import torch

import helpers
from helpers import content_loss, gram_matrix, style_loss, total_variation
from helpers.core.losses import layer_style_losses


def test_gram_matrix_by_hand():
    # Two filters over three positions: F = [[1, 2, 3], [0, 1, -1]].
    F = torch.tensor([[[1.0, 2.0, 3.0], [0.0, 1.0, -1.0]]])
    # G_11 = 1+4+9 = 14, G_12 = 0+2-3 = -1, G_22 = 0+1+1 = 2
    expected = torch.tensor([[[14.0, -1.0], [-1.0, 2.0]]])
    assert torch.equal(gram_matrix(F), expected)
    assert torch.equal(gram_matrix(F.view(1, 2, 1, 3)), expected)  # [B, N, H, W] works too
    assert torch.allclose(gram_matrix(F, normalize="positions"), expected / 3)
    assert torch.allclose(gram_matrix(F, normalize="elements"), expected / 6)


def test_gram_matrix_matches_a_loop_and_is_batched():
    torch.manual_seed(0)
    F = torch.randn(2, 4, 3, 5)
    G = gram_matrix(F)
    assert G.shape == (2, 4, 4)
    for b in range(2):
        flat = F[b].reshape(4, -1)
        for i in range(4):
            for j in range(4):
                assert G[b, i, j].item() == pytest.approx(
                    sum(flat[i, k] * flat[j, k] for k in range(15)).item(), rel=1e-5
                )
    assert torch.allclose(G, G.transpose(1, 2))  # symmetric


def test_gram_matrix_ignores_layout():
    """Shuffling positions (the same permutation for every filter) leaves G unchanged."""
    torch.manual_seed(1)
    F = torch.randn(1, 8, 6, 6)
    perm = torch.randperm(36)
    shuffled = F.flatten(2)[:, :, perm]
    assert torch.allclose(gram_matrix(F), gram_matrix(shuffled), atol=1e-5)


def test_gram_matrix_is_float32_under_bfloat16_autocast():
    F = torch.randn(1, 4, 8, 8).bfloat16()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert gram_matrix(F).dtype == torch.float32


def test_unknown_normalization_is_refused():
    with pytest.raises(ValueError, match="positions"):
        gram_matrix(torch.ones(1, 2, 3), normalize="mean")


def test_content_loss_by_hand():
    F = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    P = torch.tensor([[[[1.0, 0.0], [3.0, 1.0]]]])
    # 1/2 * (0 + 4 + 0 + 9) = 6.5
    assert content_loss(F, P).item() == pytest.approx(6.5)
    assert content_loss(P, P).item() == 0.0


def test_style_loss_by_hand():
    F = torch.tensor([[[1.0, 2.0, 3.0], [0.0, 1.0, -1.0]]]).view(1, 2, 1, 3)
    A = torch.tensor([[[10.0, 0.0], [0.0, 2.0]]])
    # G - A = [[4, -1], [-1, 0]], sum of squares 18; N = 2, M = 3: 18 / (4 * 4 * 9) = 0.125
    assert style_loss(F, A).item() == pytest.approx(18 / 144)
    assert style_loss(F, gram_matrix(F)).item() == 0.0


def test_style_loss_matches_independent_formula():
    torch.manual_seed(2)
    F = torch.randn(1, 5, 4, 6)
    S = torch.randn(1, 5, 4, 6)
    n, m = 5, 24
    f, s = F.reshape(n, m).double(), S.reshape(n, m).double()
    expected = ((f @ f.T - s @ s.T) ** 2).sum() / (4 * n**2 * m**2)
    assert style_loss(F, gram_matrix(S)).item() == pytest.approx(expected.item(), rel=1e-5)


def test_losses_refuse_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        content_loss(torch.ones(1, 2, 3, 3), torch.ones(1, 2, 4, 4))
    with pytest.raises(ValueError, match="filters"):
        style_loss(torch.ones(1, 2, 3, 3), torch.ones(1, 3, 3))


def test_total_variation_by_hand():
    x = torch.tensor([[[[0.0, 1.0], [1.0, 3.0]]]])
    # vertical: (1-0)^2 + (3-1)^2 = 5; horizontal: (1-0)^2 + (3-1)^2 = 5
    assert total_variation(x).item() == pytest.approx(10.0)


@pytest.mark.parametrize("fn", ["gram", "content", "style", "tv"])
def test_gradients_pass_gradcheck(fn):
    torch.manual_seed(3)
    F = torch.randn(1, 3, 2, 3, dtype=torch.float64, requires_grad=True)
    target = torch.randn(1, 3, 2, 3, dtype=torch.float64)
    funcs = {
        "gram": lambda x: gram_matrix(x),
        "content": lambda x: content_loss(x, target),
        "style": lambda x: style_loss(x, gram_matrix(target)),
        "tv": lambda x: total_variation(x),
    }
    assert torch.autograd.gradcheck(funcs[fn], (F,))
    # The analytic gradient of the content loss is F - P (Eq. 2).
    if fn == "content":
        (g,) = torch.autograd.grad(content_loss(F, target), F)
        assert torch.allclose(g, F - target)
    # ... and that of E_l is (F^T (G - A))^T / (N^2 M^2) (Eq. 6, before the ReLU's mask).
    if fn == "style":
        A = gram_matrix(target)
        (g,) = torch.autograd.grad(style_loss(F, A), F)
        f = F.detach().reshape(3, 6)
        expected = (f.T @ (f @ f.T - A[0])).T / (3**2 * 6**2)
        assert torch.allclose(g.reshape(3, 6), expected)


def test_layer_style_losses_is_eq4_at_each_layer_with_the_style_rescaled_to_the_images_positions():
    """One function for E_l per layer; analysis and normalize hand it on, they do not redo it."""
    net = helpers.vgg19(weights=None, device="cpu")
    generator = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, 48, 48, generator=generator)
    style = torch.rand(1, 3, 96, 96, generator=generator)
    losses = layer_style_losses(image, style, net, ["conv1_1", "conv3_1"])
    with torch.no_grad():
        fx, fs = net(image, ["conv1_1"])["conv1_1"], net(style, ["conv1_1"])["conv1_1"]
    assert list(losses) == ["conv1_1", "conv3_1"]
    assert losses["conv1_1"] == pytest.approx(float(style_loss(fx, gram_matrix(fs) / 4)), rel=1e-5)
    assert list(layer_style_losses(image, style, net)) == list(helpers.STYLE_LAYERS)
    assert layer_style_losses(style, style, net) == dict.fromkeys(helpers.STYLE_LAYERS, 0.0)
    by_source = helpers.analysis.layer_style_losses(image, style, ["conv1_1"], net=net)
    assert by_source == {"conv1_1": losses["conv1_1"]}
