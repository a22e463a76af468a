"""Checks for the notebooks' exercises: ``check_…(your_function)`` tests a learner's answer
against the package's tested version and says, in words, what is wrong.

Each check returns ``True`` when the answer is right and prints one line either way, so it can
end a notebook cell. It never raises on a wrong answer (a learner's exception is reported too).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .vgg import CAFFE_MEAN_BGR, IMAGENET_MEAN, IMAGENET_STD, LAYERS, layer_table


class Feedback:
    """Collects the first thing that is wrong with an answer."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problem: str | None = None

    def fail(self, message: str) -> bool:
        if self.problem is None:
            self.problem = message
        return False

    def report(self) -> bool:
        if self.problem is None:
            print(f"✓ {self.name}: correct")
            return True
        print(f"✗ {self.name}: {self.problem}")
        return False


def _call(feedback: Feedback, fn: Callable, *args) -> object:
    try:
        return fn(*args)
    except Exception as exc:  # the learner's code raised: say what, not a traceback
        feedback.fail(f"your function raised {type(exc).__name__}: {exc}")
        return None


def _compare(feedback: Feedback, got: object, expected: torch.Tensor, what: str, rtol: float = 1e-4) -> bool:
    """Shape, then values; the message says which differs and by how much."""
    if got is None:  # _call already said why, unless the learner's function returned None
        return feedback.fail(f"{what} is None: did you forget `return`?")
    if not isinstance(got, torch.Tensor):
        return feedback.fail(f"{what} should be a torch.Tensor, got {type(got).__name__}")
    if got.shape != expected.shape:
        return feedback.fail(f"{what} has shape {list(got.shape)}, expected {list(expected.shape)}")
    if not torch.allclose(got.double(), expected.double(), rtol=rtol, atol=1e-6):
        ratio = (got.double().abs().sum() / expected.double().abs().sum().clamp_min(1e-30)).item()
        return feedback.fail(
            f"{what} has the right shape but wrong values (sum ratio {ratio:.4g} to the expected)"
        )
    return True


def _first_match(feedback: Feedback, got: object, candidates: dict[str, torch.Tensor]) -> bool:
    """Fail with the message of the first typical mistake that ``got`` reproduces exactly."""
    if not isinstance(got, torch.Tensor):
        return False
    for message, candidate in candidates.items():
        if got.shape == candidate.shape and torch.allclose(
            got.detach().double(), candidate.double(), rtol=1e-4, atol=1e-3
        ):
            return feedback.fail(message)
    return False


def check_caffe_preprocess(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(image)``: an RGB batch [B, 3, H, W] in [0, 1] -> the input Caffe's VGG19 expects.

    Caffe's VGG19 was trained on **BGR** pixels in **0-255** minus the training set's **mean
    pixel** :math:`\mu = (103.939, 116.779, 123.68)` in B, G, R order:

    .. math:: x_{in}[c] = 255\, x[2 - c] - \mu_c .

    Reproduces and names the usual mistakes: channels not swapped, values left in 0-1, the mean
    subtracted in RGB order or not at all, the image's own mean instead of the fixed one, the
    wrong axis reversed, torchvision's convention, and changing the input in place.
    """
    feedback = Feedback("check_caffe_preprocess")
    image = torch.rand(2, 3, 6, 9, generator=torch.Generator().manual_seed(0))
    original = image.clone()
    got = _call(feedback, fn, image)
    if got is not None and not torch.equal(image, original):
        feedback.fail(
            "your function changed its input image in place: work on a copy (image.clone(), "
            "or operations such as image.flip(1) * 255 that return new tensors)"
        )
    mean_bgr = torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)
    mean_rgb = mean_bgr.flip(1)
    bgr = original.flip(1)
    imagenet = (original - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(
        1, 3, 1, 1
    )
    swap = "reverse the channel axis (image.flip(1) or image[:, [2, 1, 0]])"
    _first_match(
        feedback,
        got,
        {
            f"the channels are still in RGB order: Caffe's VGG19 was trained on BGR images, so {swap}": (
                original * 255 - mean_rgb
            ),
            f"the channels are still in RGB order (and the B, G, R means went to R, G, B): {swap} "
            "before subtracting the mean": original * 255 - mean_bgr,
            "your values are on the 0-1 scale: Caffe's VGG19 expects 0-255 pixel values, so "
            "multiply by 255 before subtracting the mean pixel": bgr - mean_bgr,
            "your answer is the right one divided by 255: the network wants 0-255 values, so "
            "multiply by 255 and subtract the mean in 0-255 units": bgr - mean_bgr / 255,
            "you subtracted the mean in RGB order (123.68, 116.779, 103.939): after the swap channel 0 "
            "is blue, so subtract (103.939, 116.779, 123.68)": bgr * 255 - mean_rgb,
            "you did not subtract the mean pixel (103.939, 116.779, 123.68) in B, G, R order": bgr * 255,
            "you subtracted this image's own mean colour: Caffe subtracts one fixed mean pixel of its "
            "training set, (103.939, 116.779, 123.68) in B, G, R order, from every image": (
                bgr * 255 - (bgr * 255).mean(dim=(2, 3), keepdim=True)
            ),
            "you reversed the width axis, not the channels: in a [B, 3, H, W] batch the channels "
            "are dim 1": original.flip(3) * 255 - mean_bgr,
            "you reversed the height axis, not the channels: in a [B, 3, H, W] batch the channels "
            "are dim 1": original.flip(2) * 255 - mean_bgr,
            "you returned the image unchanged: reverse the channels to BGR, multiply by 255 and "
            "subtract the mean pixel (103.939, 116.779, 123.68)": original,
            "that is torchvision's convention (RGB, 0-1, ImageNet mean and std): Caffe's weights "
            "need BGR, 0-255, minus the mean pixel": imagenet,
        },
    )
    expected = bgr * 255 - mean_bgr
    if (
        feedback.problem is None
        and isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and not torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-3)
    ):
        # No typical mistake matched: say how far each channel is off on average.
        def means(x: torch.Tensor) -> str:
            return ", ".join(f"{v:.1f}" for v in x.detach().double().mean(dim=(0, 2, 3)).tolist())

        feedback.fail(
            f"wrong values: your channel means are ({means(got)}), the right ones ({means(expected)}); "
            "check the order (BGR), the scale (0-255) and the mean pixel (103.939, 116.779, 123.68)"
        )
    _compare(feedback, got, expected, "the preprocessed batch", rtol=1e-4)
    return feedback.report()


def check_receptive_field(fn: Callable[[str], int]) -> bool:
    r"""Check ``fn(layer_name)`` -> the receptive field, in input pixels, of a unit of that layer.

    The reference is :func:`helpers.vgg.layer_table`, with the recursion

    .. math:: r_l = r_{l-1} + (k_l - 1)\, j_{l-1}, \qquad j_l = j_{l-1}\, s_l, \qquad r_0 = j_0 = 1

    (3x3 convolutions with stride 1, 2x2 poolings with stride 2). Names the usual mistakes: the
    stride never doubling, pooling adding nothing, the stride doubled too early, off by one.
    """
    feedback = Feedback("check_receptive_field")
    expected = {row.name: row.receptive_field for row in layer_table(224)}
    answers: dict[str, float] = {}
    for name in LAYERS:
        value = _call(feedback, fn, name)
        if feedback.problem is not None:
            return feedback.report()
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            feedback.fail(f"for {name!r} you returned {value!r}: return the receptive field in px, a number")
            return feedback.report()
        answers[name] = float(value)
    if answers == expected:
        return feedback.report()

    def recursion(pool_adds: bool, early_stride: bool) -> dict[str, int]:
        out, field, jump = {}, 1, 1
        for name in LAYERS:
            kernel, stride = (3, 1) if name.startswith("conv") else (2, 2)
            step = jump * stride if early_stride else jump
            if name.startswith("conv") or pool_adds:
                field += (kernel - 1) * step
            jump *= stride
            out[name] = field
        return out

    constant = {}
    field = 1
    for name in LAYERS:
        field += 2 if name.startswith("conv") else 1
        constant[name] = field
    mistakes = {
        "your fields grow by the same number of pixels at every depth: after each pooling, one step "
        "between neighbouring units spans twice as many input pixels (j doubles), so a 3x3 "
        "convolution in block b adds 2 * 2**(b-1) pixels": constant,
        "pooling layers widen the field too: a 2x2 window adds one step j_(l-1) before it doubles "
        "j": recursion(pool_adds=False, early_stride=False),
        "you doubled the stride before growing the field: a layer's kernel steps over the spacing "
        "of its input, j_(l-1), so update r first and j after": recursion(pool_adds=True, early_stride=True),
        "off by one everywhere: start from r_0 = 1 (a pixel sees itself), so conv1_1 sees 3 x 3 pixels": {
            k: v + 1 for k, v in expected.items()
        },
        "off by one everywhere (one too few): start from r_0 = 1, so conv1_1 sees 3 x 3 pixels": {
            k: v - 1 for k, v in expected.items()
        },
    }
    for message, values in mistakes.items():
        if answers == values:
            return feedback.fail(message) or feedback.report()
    wrong = [name for name in LAYERS if answers[name] != expected[name]]
    first = wrong[0]
    direction = "too small" if answers[first] < expected[first] else "too large"
    kinds = {"pooling" if name.startswith("pool") else "convolution" for name in wrong}
    which = f" (all of them {kinds.pop()} layers)" if len(kinds) == 1 else ""
    feedback.fail(
        f"{len(wrong)} of 21 layers are wrong{which}; the first is {first}, where your "
        f"{answers[first]:g} px is {direction}"
    )
    return feedback.report()


# --- The paper's losses (notebooks 04 and 05) ----------------------------------------------------
#
# Each check runs the learner's function on small random "responses" (post-ReLU, so some are zero)
# of two different shapes, compares with the package, and when the values differ, recognises the
# usual mistakes by recomputing what each mistake would give.

Mistake = tuple[str, Callable[..., torch.Tensor]]


def _responses(seed: int, shape: tuple[int, ...]) -> torch.Tensor:
    """Random post-ReLU responses [B, N, H, W] (about half the entries are zero)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator).clamp_min(0)


def _recognise(feedback: Feedback, got: torch.Tensor, mistakes: list[Mistake], *args) -> bool:
    """Fail with the message of the first mistake whose result ``got`` equals; False if none does."""
    for message, wrong in mistakes:
        try:
            candidate = wrong(*args)
        except RuntimeError:  # a mistake that cannot happen at these shapes
            continue
        if candidate.shape == got.shape and torch.allclose(
            got.double(), candidate.double(), rtol=1e-4, atol=1e-6
        ):
            return feedback.fail(message)
    return False


def _one_number(feedback: Feedback, got: object, what: str) -> torch.Tensor | None:
    """A loss must be one differentiable number; returns it as a 0-d tensor, or None after failing."""
    if got is None:
        feedback.fail(f"{what} returned None: did you forget `return`?")
        return None
    if not isinstance(got, torch.Tensor):
        feedback.fail(
            f"{what} should return a torch.Tensor, got {type(got).__name__} "
            "(a Python number has no gradient: did you call .item()?)"
        )
        return None
    if got.numel() != 1:
        feedback.fail(
            f"{what} returned shape {list(got.shape)}: a loss is one number, "
            "so sum over every filter and position (did you forget .sum()?)"
        )
        return None
    return got.reshape(())


def _differentiable(feedback: Feedback, got: torch.Tensor, what: str) -> bool:
    if not got.requires_grad:
        return feedback.fail(
            f"{what} has the right value but no gradient: keep to torch operations "
            "(no .item(), .detach() or numpy) so that autograd can follow it"
        )
    return True


def check_content_loss(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(F, P)`` against Eq. 1, :math:`\frac12\sum_{ij}(F_{ij} - P_{ij})^2`, and Eq. 2.

    ``F`` (the generated image's responses) and ``P`` (the content image's) are ``[B, N, H, W]``;
    the answer is one number whose gradient with respect to ``F`` is ``F - P``.
    """
    from .losses import content_loss

    feedback = Feedback("content_loss")
    mistakes: list[Mistake] = [
        (
            "you forgot the 1/2 in front of the sum (your loss is twice Eq. 1)",
            lambda F, P: (F - P).pow(2).sum(),
        ),
        (
            "you averaged (.mean()) instead of summing: Eq. 1 sums over every filter i and position j",
            lambda F, P: 0.5 * (F - P).pow(2).mean(),
        ),
        (
            "you averaged (.mean()) instead of summing, and the 1/2 is missing: Eq. 1 is half the sum",
            lambda F, P: (F - P).pow(2).mean(),
        ),
        (
            "you squared F and P separately: square their difference, (F - P)**2, then sum",
            lambda F, P: 0.5 * (F.pow(2) - P.pow(2)).sum(),
        ),
        (
            "you squared the sum of the differences: square each difference first, then sum",
            lambda F, P: 0.5 * (F - P).sum().pow(2),
        ),
        (
            "you took the length ‖F - P‖; Eq. 1 uses its square (no square root)",
            lambda F, P: 0.5 * (F - P).norm(),
        ),
        ("you did not square the differences: Eq. 1 sums (F - P)**2", lambda F, P: 0.5 * (F - P).abs().sum()),
        ("you did not square the differences: Eq. 1 sums (F - P)**2", lambda F, P: 0.5 * (F - P).sum()),
    ]
    for seed, shape in ((0, (1, 3, 4, 5)), (1, (2, 4, 3, 3))):
        F = _responses(seed, shape).requires_grad_(True)
        P = _responses(seed + 100, shape)
        got = _one_number(feedback, _call(feedback, fn, F, P), "your content loss")
        if got is None:
            return feedback.report()
        expected = content_loss(F.detach(), P)
        if not torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-6):
            if not _recognise(feedback, got.detach(), mistakes, F.detach(), P):
                _compare(feedback, got.detach(), expected, "your content loss")
            return feedback.report()
        if not _differentiable(feedback, got, "your content loss"):
            return feedback.report()
        got.backward()
        _compare(feedback, F.grad, (F - P).detach(), "its gradient with respect to F (Eq. 2: F - P)")
        if feedback.problem:
            return feedback.report()
    return feedback.report()


def check_gram_matrix(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(F)`` against Eq. 3, :math:`G_{ij} = \sum_k F_{ik} F_{jk}`, for a batch of responses.

    ``F`` is ``[B, N, H, W]``; the answer is ``[B, N, N]``, one plain (unnormalised) Gram matrix
    per image.
    """
    from .losses import gram_matrix

    feedback = Feedback("gram_matrix")

    def flat(F: torch.Tensor) -> torch.Tensor:
        return F.reshape(F.shape[0], F.shape[1], -1)

    mistakes: list[Mistake] = [
        (
            "you divided by M_l = H·W (the number of positions): the paper's Gram matrix (Eq. 3) is a "
            "plain sum; the 1/(4 N_l² M_l²) of the style loss (Eq. 4) does the normalising",
            lambda F: gram_matrix(F, normalize="positions"),
        ),
        (
            "you divided by N_l·M_l (the PyTorch tutorial's convention): the paper's Gram matrix "
            "(Eq. 3) is a plain sum; the 1/(4 N_l² M_l²) of the style loss (Eq. 4) does the normalising",
            lambda F: gram_matrix(F, normalize="elements"),
        ),
        (
            "you multiplied F by itself without a transpose: G = F Fᵀ, i.e. f @ f.transpose(1, 2)",
            lambda F: flat(F) @ flat(F),
        ),
        (
            "you computed Fᵀ F (positions × positions): the Gram matrix is F Fᵀ (filters × filters)",
            lambda F: flat(F).transpose(1, 2) @ flat(F),
        ),
        (
            "you reshaped to [B, H·W, N]: that mixes filters and positions; flatten only the last two "
            "dimensions, F.reshape(B, N, H * W)",
            lambda F: (lambda f: f.transpose(1, 2) @ f)(F.reshape(F.shape[0], -1, F.shape[1])),
        ),
    ]
    # A missing transpose fails on the first probe (N != M) and runs on the second (N = M = 4).
    for seed, shape in ((3, (2, 3, 4, 5)), (2, (2, 4, 2, 2))):
        F = _responses(seed, shape)
        b, n, m = shape[0], shape[1], shape[2] * shape[3]
        got = _call(feedback, fn, F)
        if feedback.problem:
            if "shape" in feedback.problem or "size" in feedback.problem:
                feedback.problem += (
                    " — the shapes do not fit: did you forget a transpose? "
                    "G = F Fᵀ multiplies [N, M] by [M, N]"
                )
            return feedback.report()
        if not isinstance(got, torch.Tensor):
            _compare(feedback, got, gram_matrix(F), "your Gram matrix")
            return feedback.report()
        if tuple(got.shape) == (n, n):
            feedback.fail(
                f"your Gram matrix has shape {list(got.shape)}: keep the batch dimension, "
                "[B, N, N] with one Gram matrix per image"
            )
        elif tuple(got.shape) == (b * n, b * n):
            feedback.fail(
                f"your Gram matrix has shape {list(got.shape)}: you folded the batch into the filters; "
                "flatten to [B, N, H * W], not [B * N, H * W]"
            )
        elif tuple(got.shape) == (b, m, m) and m != n:
            feedback.fail(
                f"your Gram matrix has shape {list(got.shape)}: you computed Fᵀ F (positions × positions); "
                "the Gram matrix is F Fᵀ (filters × filters)"
            )
        elif not _recognise(feedback, got, mistakes, F):
            _compare(feedback, got, gram_matrix(F), "your Gram matrix")
        if feedback.problem:
            return feedback.report()
    return feedback.report()


def check_style_loss(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    r"""Check ``fn(F, A)`` against Eq. 4, :math:`E_l = \frac{1}{4N_l^2M_l^2}\sum_{ij}(G_{ij} - A_{ij})^2`.

    ``F`` is the generated image's responses ``[1, N, H, W]`` (so :math:`M_l = HW`), ``A`` the
    style image's Gram matrix ``[1, N, N]``; the answer is one differentiable number.
    """
    from .losses import gram_matrix, style_loss

    feedback = Feedback("style_loss")

    def denominator(F: torch.Tensor) -> float:
        n, m = F.shape[1], F.shape[2] * F.shape[3]
        return 4.0 * n**2 * m**2

    def squared(F: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        return (gram_matrix(F) - A).pow(2)

    def n_m(F: torch.Tensor) -> tuple[int, int]:
        return F.shape[1], F.shape[2] * F.shape[3]

    mistakes: list[Mistake] = [
        (
            "you left out the 1/(4 N_l² M_l²) in front of the sum",
            lambda F, A: squared(F, A).sum(),
        ),
        (
            "the 4 is missing: Eq. 4 divides by 4 N_l² M_l²",
            lambda F, A: squared(F, A).sum() / (denominator(F) / 4),
        ),
        (
            "you divided by 4 N_l M_l: in Eq. 4 both N_l and M_l are squared",
            lambda F, A: squared(F, A).sum() / (4 * n_m(F)[0] * n_m(F)[1]),
        ),
        (
            "you averaged (.mean()) over the N_l² entries instead of summing them",
            lambda F, A: squared(F, A).mean() / denominator(F),
        ),
        (
            "that is the mean squared error of the Gram matrices (F.mse_loss(G, A), the PyTorch "
            "tutorial's loss): Eq. 4 sums the squared differences and divides by 4 N_l² M_l²",
            lambda F, A: squared(F, A).mean(),
        ),
        (
            "you normalised your Gram matrix (divided by M_l) but A is the plain sum of Eq. 3: "
            "use the unnormalised G, the 1/(4 N_l² M_l²) does the normalising",
            lambda F, A: (gram_matrix(F, "positions") - A).pow(2).sum() / denominator(F),
        ),
        (
            "you normalised your Gram matrix (divided by N_l M_l) but A is the plain sum of Eq. 3: "
            "use the unnormalised G, the 1/(4 N_l² M_l²) does the normalising",
            lambda F, A: (gram_matrix(F, "elements") - A).pow(2).sum() / denominator(F),
        ),
        (
            "you did not square the differences G - A",
            lambda F, A: (gram_matrix(F) - A).sum() / denominator(F),
        ),
        (
            "you did not square the differences G - A",
            lambda F, A: (gram_matrix(F) - A).abs().sum() / denominator(F),
        ),
    ]
    for seed, shape in ((4, (1, 3, 4, 5)), (5, (1, 5, 3, 6))):
        F = _responses(seed, shape).requires_grad_(True)
        A = gram_matrix(_responses(seed + 100, shape))
        got = _call(feedback, fn, F, A)
        if feedback.problem:
            if "size" in feedback.problem or "shape" in feedback.problem:
                feedback.problem += (
                    " — the style loss compares Gram matrices: compute G from F ([B, N, N]) first"
                )
            return feedback.report()
        got = _one_number(feedback, got, "your style loss")
        if got is None:
            return feedback.report()
        expected = style_loss(F.detach(), A)
        if not torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-12):
            if not _recognise(feedback, got.detach(), mistakes, F.detach(), A):
                _compare(feedback, got.detach(), expected, "your style loss")
            return feedback.report()
        if not _differentiable(feedback, got, "your style loss"):
            return feedback.report()
        reference = F.detach().clone().requires_grad_(True)
        style_loss(reference, A).backward()
        got.backward()
        _compare(feedback, F.grad, reference.grad, "its gradient with respect to F (Eq. 6)", rtol=1e-3)
        if feedback.problem:
            return feedback.report()
    return feedback.report()
