r"""Colour preservation (Gatys, Bethge, Hertzmann & Shechtman 2016, "Preserving Color in Neural
Artistic Style Transfer").

Style transfer copies the painting's colours along with its brush strokes. Two remedies:

* ``"luminance"``: transfer on the luminance channel only. The content and the style become
  grey images of their luminance :math:`L` (the Y of YIQ); the style's luminance is first matched
  to the content's mean and standard deviation,

  .. math:: L_S' = \frac{\sigma_C}{\sigma_S}(L_S - \mu_S) + \mu_C,

  and the result's luminance is recombined with the content's colour channels I and Q.
* ``"histogram"``: before the transfer, a linear map :math:`x_S' = A x_S + b` gives the style
  image's pixels the content's mean :math:`\mu_C` and covariance :math:`\Sigma_C`:
  :math:`b = \mu_C - A\mu_S` with :math:`A\Sigma_S A^T = \Sigma_C`. The paper offers two choices of
  :math:`A`: ``"sqrt"`` (image analogies, :math:`A = \Sigma_C^{1/2}\Sigma_S^{-1/2}`, the default
  here) and ``"cholesky"`` (:math:`A = L_C L_S^{-1}` with :math:`\Sigma = LL^T`).

Images are RGB tensors in [0, 1] of shape ``[B, 3, H, W]``.
"""

from __future__ import annotations

import torch

from ..base.errors import SettingsError

PRESERVE_COLOR = (None, "luminance", "histogram")
COLOR_TRANSFORMS = ("sqrt", "cholesky")

# NTSC's RGB -> YIQ matrix (rows: Y, I, Q). Y is the luminance; I and Q carry the colour.
RGB_TO_YIQ = torch.tensor(
    [
        [0.299, 0.587, 0.114],
        [0.595716, -0.274453, -0.321263],
        [0.211456, -0.522591, 0.311135],
    ],
    dtype=torch.float64,
)
YIQ_TO_RGB = torch.linalg.inv(RGB_TO_YIQ)
# Keeps the covariance of a flat (one-colour) image invertible.
COVARIANCE_EPS = 1e-5


def check_mode(mode: str | None) -> str | None:
    """Return ``mode`` if it is a colour-preservation mode, else raise a one-line ``SettingsError``."""
    if mode not in PRESERVE_COLOR:
        raise SettingsError(f"unknown preserve_color {mode!r}: use None, 'luminance' or 'histogram'")
    return mode


def _apply(matrix: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    m = matrix.to(device=image.device, dtype=image.dtype)
    return torch.einsum("ij,bjhw->bihw", m, image)


def rgb_to_yiq(image: torch.Tensor) -> torch.Tensor:
    """RGB -> YIQ, channel by channel: Y in [0, 1], I and Q around zero."""
    return _apply(RGB_TO_YIQ, image)


def yiq_to_rgb(image: torch.Tensor) -> torch.Tensor:
    """YIQ -> RGB (not clamped)."""
    return _apply(YIQ_TO_RGB, image)


def luminance(image: torch.Tensor) -> torch.Tensor:
    """The luminance Y = 0.299 R + 0.587 G + 0.114 B, shape ``[B, 1, H, W]``."""
    return rgb_to_yiq(image)[:, :1]


def gray(lum: torch.Tensor) -> torch.Tensor:
    """A luminance ``[B, 1, H, W]`` as the grey RGB image the network sees (R = G = B = Y)."""
    return lum.clamp(0, 1).expand(-1, 3, -1, -1).contiguous()


def match_luminance(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    r"""The style's luminance with the content's mean and standard deviation (a grey RGB image).

    :math:`L_S' = \frac{\sigma_C}{\sigma_S}(L_S - \mu_S) + \mu_C`, so that the transfer does not
    shift the content's overall brightness and contrast.
    """
    ls, lc = luminance(style), luminance(content)
    scale = lc.std() / ls.std().clamp_min(1e-6)
    return gray((ls - ls.mean()) * scale + lc.mean())


def combine_luminance(lum_source: torch.Tensor, color_source: torch.Tensor) -> torch.Tensor:
    """The luminance of ``lum_source`` with the colour (I, Q) of ``color_source``, clamped to [0, 1]."""
    yiq = torch.cat([luminance(lum_source), rgb_to_yiq(color_source)[:, 1:]], dim=1)
    return yiq_to_rgb(yiq).clamp(0, 1)


def color_statistics(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean ``[3]`` and covariance ``[3, 3]`` of an image's pixels (float64)."""
    pixels = image.detach().double().permute(1, 0, 2, 3).reshape(3, -1)
    mean = pixels.mean(dim=1)
    centred = pixels - mean[:, None]
    return mean, centred @ centred.T / max(1, centred.shape[1] - 1)


def _sqrtm(cov: torch.Tensor, inverse: bool = False) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(cov)
    values = values.clamp_min(COVARIANCE_EPS)
    return vectors @ torch.diag(values.rsqrt() if inverse else values.sqrt()) @ vectors.T


def match_color(source: torch.Tensor, target: torch.Tensor, transform: str = "sqrt") -> torch.Tensor:
    r"""``source`` mapped linearly so its pixels have ``target``'s colour mean and covariance.

    :math:`x' = A(x - \mu_S) + \mu_C` with :math:`A\Sigma_S A^T = \Sigma_C`; ``transform`` picks
    :math:`A`: ``"sqrt"`` (:math:`\Sigma_C^{1/2}\Sigma_S^{-1/2}`, image analogies) or
    ``"cholesky"`` (:math:`L_C L_S^{-1}`). The result is clamped to [0, 1].
    """
    if transform not in COLOR_TRANSFORMS:
        raise SettingsError(f"unknown colour transform {transform!r}: use 'sqrt' or 'cholesky'")
    mu_s, cov_s = color_statistics(source)
    mu_c, cov_c = color_statistics(target)
    eye = torch.eye(3, dtype=torch.float64)
    if transform == "sqrt":
        A = _sqrtm(cov_c) @ _sqrtm(cov_s, inverse=True)
    else:
        L_s = torch.linalg.cholesky(cov_s + COVARIANCE_EPS * eye)
        L_c = torch.linalg.cholesky(cov_c + COVARIANCE_EPS * eye)
        A = L_c @ torch.linalg.inv(L_s)
    x = source.double() - mu_s.view(1, 3, 1, 1).to(source.device)
    out = _apply(A, x) + mu_c.view(1, 3, 1, 1).to(source.device)
    return out.to(source.dtype).clamp(0, 1)


def chroma_correlation(image: torch.Tensor, reference: torch.Tensor) -> float:
    """How well ``image``'s colour follows ``reference``'s, pixel by pixel: in [-1, 1].

    The Pearson correlation over pixels of the I channels and of the Q channels (YIQ), averaged.
    1 means the same colour layout; near 0, colour unrelated to the reference's.
    """
    if image.shape[-2:] != reference.shape[-2:]:
        raise SettingsError(f"images differ in size: {list(image.shape)} vs {list(reference.shape)}")
    a = rgb_to_yiq(image.detach().double())[:, 1:].flatten(2)
    b = rgb_to_yiq(reference.detach().double())[:, 1:].flatten(2)
    a, b = a - a.mean(-1, keepdim=True), b - b.mean(-1, keepdim=True)
    r = (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1)).clamp_min(1e-12)
    return float(r.mean())


class ColorControl:
    """What ``stylize(preserve_color=...)`` does to the images before and after the optimisation.

    ``content`` is the content image at the output size (``None`` only when ``mode`` is None).
    """

    def __init__(self, mode: str | None, content: torch.Tensor | None, transform: str = "sqrt") -> None:
        self.mode = check_mode(mode)
        if self.mode is not None and content is None:
            raise SettingsError(
                f"preserve_color={mode!r} keeps the content image's colour: give a content image"
            )
        self.content, self.transform = content, transform

    def style(self, style: torch.Tensor) -> torch.Tensor:
        """A style image as the network should see it."""
        if self.mode == "luminance":
            return match_luminance(style, self.content)
        if self.mode == "histogram":
            return match_color(style, self.content, self.transform)
        return style

    def image(self, image: torch.Tensor) -> torch.Tensor:
        """The content or the starting image as the network should see it (grey in luminance mode)."""
        return gray(luminance(image)) if self.mode == "luminance" else image

    def wrap(self, callback):
        """A ``stylize`` callback that is shown the image as the user will see it."""
        if callback is None or self.mode != "luminance":
            return callback
        return lambda step, image, losses: callback(step, self.finish(image), losses)

    def finish(self, image: torch.Tensor) -> torch.Tensor:
        """The optimised image as the user sees it (the content's colour restored in luminance mode)."""
        if self.mode != "luminance":
            return image
        return combine_luminance(image, self.content.to(image.device))
