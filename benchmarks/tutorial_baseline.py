"""The usual structure, reimplemented faithfully, to time ``helpers.stylize`` against.

This is the shape of the official PyTorch tutorial ("Neural Transfer Using PyTorch") and of many
course notebooks derived from it:

* a ``copy.deepcopy`` of torchvision's ``vgg19().features`` with a normalisation module in front;
* ``ContentLoss`` / ``StyleLoss`` modules spliced into an ``nn.Sequential`` after the chosen
  layers, the ReLUs replaced by out-of-place ones, and the model cut after the last loss module;
* gradients left on the network's weights (``requires_grad`` stays ``True``), so every backward
  pass also computes the gradients of 20 million weights;
* the Gram matrix divided by its element count, ``F.mse_loss`` for both losses;
* L-BFGS whose closure clamps the image in place before each evaluation.

To compare like with like, the benchmark loads the same (Caffe) weights into it, uses the paper's
layers (post-ReLU conv1_1 … conv5_1 for style, conv4_2 for content) and counts the same number of
loss-and-gradient evaluations. Only the structure differs.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn


class Normalization(nn.Module):
    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.mean = mean.clone().detach().view(-1, 1, 1)
        self.std = std.clone().detach().view(-1, 1, 1)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        return (img - self.mean) / self.std


def gram_matrix(x: torch.Tensor) -> torch.Tensor:
    a, b, c, d = x.size()
    features = x.view(a * b, c * d)
    G = torch.mm(features, features.t())
    return G.div(a * b * c * d)


class ContentLoss(nn.Module):
    def __init__(self, target: torch.Tensor) -> None:
        super().__init__()
        self.target = target.detach()
        self.loss = torch.tensor(0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.loss = F.mse_loss(x, self.target)
        return x


class StyleLoss(nn.Module):
    def __init__(self, target_feature: torch.Tensor) -> None:
        super().__init__()
        self.target = gram_matrix(target_feature).detach()
        self.loss = torch.tensor(0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.loss = F.mse_loss(gram_matrix(x), self.target)
        return x


def torchvision_features_with(convs: list[tuple[torch.Tensor, torch.Tensor]]) -> nn.Sequential:
    """torchvision's ``vgg19().features`` with the given conv weights copied in."""
    from torchvision.models import vgg19

    features = vgg19(weights=None).features
    it = iter(convs)
    for layer in features:
        if isinstance(layer, nn.Conv2d):
            weight, bias = next(it)
            with torch.no_grad():
                layer.weight.copy_(weight)
                layer.bias.copy_(bias)
    return features


def build_model(
    cnn: nn.Sequential,
    mean: torch.Tensor,
    std: torch.Tensor,
    style_img: torch.Tensor,
    content_img: torch.Tensor,
    content_layers: tuple[str, ...] = ("relu4_2",),
    style_layers: tuple[str, ...] = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"),
):
    """The tutorial's ``get_style_model_and_losses``, with names relu{block}_{index}."""
    cnn = copy.deepcopy(cnn)
    model = nn.Sequential(Normalization(mean, std))
    content_losses, style_losses = [], []
    block, index = 1, 0
    for layer in cnn.children():
        if isinstance(layer, nn.Conv2d):
            index += 1
            name = f"conv{block}_{index}"
        elif isinstance(layer, nn.ReLU):
            name = f"relu{block}_{index}"
            layer = nn.ReLU(inplace=False)  # the tutorial's fix: in place breaks its loss modules
        elif isinstance(layer, nn.MaxPool2d | nn.AvgPool2d):
            name = f"pool{block}"
            block, index = block + 1, 0
        else:
            raise RuntimeError(f"unexpected layer {layer}")
        model.add_module(name, layer)
        if name in content_layers:
            target = model(content_img).detach()
            loss = ContentLoss(target)
            model.add_module(f"content_loss_{name}", loss)
            content_losses.append(loss)
        if name in style_layers:
            target = model(style_img).detach()
            loss = StyleLoss(target)
            model.add_module(f"style_loss_{name}", loss)
            style_losses.append(loss)
    # cut after the last loss module
    last = max(i for i, m in enumerate(model) if isinstance(m, ContentLoss | StyleLoss))
    return model[: last + 1], style_losses, content_losses


def run_style_transfer(
    cnn: nn.Sequential,
    mean: torch.Tensor,
    std: torch.Tensor,
    content_img: torch.Tensor,
    style_img: torch.Tensor,
    input_img: torch.Tensor,
    evaluations: int,
    style_weight: float = 1e6,
    content_weight: float = 1.0,
) -> tuple[torch.Tensor, int]:
    """The tutorial's loop, stopped after ``evaluations`` closure calls; returns (image, calls)."""
    model, style_losses, content_losses = build_model(cnn, mean, std, style_img, content_img)
    input_img = input_img.clone().requires_grad_(True)
    model.eval()  # (the network's weights keep requires_grad=True, as in the structure timed here)
    optimizer = torch.optim.LBFGS([input_img])
    calls = [0]

    def closure():
        with torch.no_grad():
            input_img.clamp_(0, 1)
        optimizer.zero_grad()
        model(input_img)
        style_score = sum(sl.loss for sl in style_losses) * style_weight
        content_score = sum(cl.loss for cl in content_losses) * content_weight
        loss = style_score + content_score
        loss.backward()
        calls[0] += 1
        return style_score + content_score

    while calls[0] < evaluations:
        optimizer.param_groups[0]["max_eval"] = evaluations - calls[0]
        optimizer.step(closure)
    with torch.no_grad():
        input_img.clamp_(0, 1)
    return input_img.detach(), calls[0]
