"""check_caffe_preprocess: accepts right answers, and names each typical mistake in one line."""

from __future__ import annotations

import pytest
import torch

import helpers
from helpers.core.vgg import InputNormalization
from helpers.course.exercises import check_caffe_preprocess

MEAN_BGR = torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)


def _reported(capsys) -> str:
    out = capsys.readouterr().out.strip()
    assert "\n" not in out, "one line of feedback"
    return out


@pytest.mark.parametrize(
    "answer",
    [
        lambda x: x.flip(1) * 255 - MEAN_BGR,
        lambda x: x[:, [2, 1, 0]] * 255 - MEAN_BGR,
        lambda x: (x * 255 - MEAN_BGR.flip(1)).flip(1),  # mean first, in RGB order, then swap
        InputNormalization("caffe"),  # the package's own module
        lambda x: x.double().flip(1) * 255 - MEAN_BGR.double(),  # float64 is fine
    ],
)
def test_right_answers_are_accepted(answer, capsys):
    assert check_caffe_preprocess(answer) is True
    assert _reported(capsys).startswith("✓ check_caffe_preprocess")


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (lambda x: x * 255 - MEAN_BGR.flip(1), "still in RGB order"),
        (lambda x: x * 255 - MEAN_BGR, "still in RGB order"),
        (lambda x: x.flip(1) - MEAN_BGR, "0-1 scale"),
        (lambda x: x.flip(1) - MEAN_BGR / 255, "divided by 255"),
        (lambda x: x.flip(1) * 255 - MEAN_BGR.flip(1), "mean in RGB order"),
        (lambda x: x.flip(1) * 255, "did not subtract the mean"),
        (lambda x: x.flip(1) * 255 - (x.flip(1) * 255).mean(dim=(2, 3), keepdim=True), "own mean"),
        (lambda x: x.flip(3) * 255 - MEAN_BGR, "width axis"),
        (lambda x: x, "unchanged"),
        (lambda x: InputNormalization("imagenet")(x), "torchvision"),
        (lambda x: x.flip(1) * 255 - MEAN_BGR + 3, "channel means are"),
        (lambda x: (x.flip(1) * 255 - MEAN_BGR)[0], "has shape [3, 6, 9], expected [2, 3, 6, 9]"),
        (lambda x: (x.flip(1) * 255 - MEAN_BGR).numpy(), "should be a torch.Tensor"),
        (lambda x: x.mul_(255).flip(1) - MEAN_BGR, "changed its input image in place"),
        (lambda x: x[:, ::-1], "raised ValueError"),
    ],
)
def test_typical_mistakes_are_named(answer, says, capsys):
    assert check_caffe_preprocess(answer) is False
    out = _reported(capsys)
    assert out.startswith("✗ check_caffe_preprocess") and says in out, out


def test_the_check_is_reachable_from_the_package():
    assert helpers.exercises.check_caffe_preprocess is check_caffe_preprocess


# --- check_caffe_inverse -------------------------------------------------------------------------

from helpers.course.exercises import check_caffe_inverse  # noqa: E402


@pytest.mark.parametrize(
    "answer",
    [
        lambda x: ((x + MEAN_BGR) / 255).flip(1),
        lambda x: x.flip(1) / 255 + MEAN_BGR.flip(1) / 255,
        InputNormalization("caffe").inverse,  # the package's own
    ],
)
def test_inverse_right_answers_are_accepted(answer, capsys):
    assert check_caffe_inverse(answer) is True
    assert _reported(capsys).startswith("✓ check_caffe_inverse")


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (lambda x: ((x + MEAN_BGR) / 255).flip(1).clamp(0, 1), "clamped"),
        (lambda x: (x + MEAN_BGR) / 255, "still in BGR order"),
        (lambda x: (x.flip(1) + MEAN_BGR) / 255, "blue's mean went to red"),
        (lambda x: (x + MEAN_BGR).flip(1), "0-255 scale"),
        (lambda x: (x / 255 + MEAN_BGR).flip(1), "before adding the mean"),
        (lambda x: ((x - MEAN_BGR) / 255).flip(1), "subtracted the mean pixel again"),
        (lambda x: x.flip(1) / 255, "did not add the mean"),
        (lambda x: ((x + MEAN_BGR) * 255).flip(1), "multiplied by 255"),
        (lambda x: x, "unchanged"),
        (lambda x: x.add_(MEAN_BGR).div_(255).flip(1), "changed its input in place"),
        (lambda x: ((x + MEAN_BGR) / 255).flip(1) + 0.01, "wrong values"),
        (lambda x: None, "did you forget `return`"),
    ],
)
def test_inverse_mistakes_are_named(answer, says, capsys):
    assert check_caffe_inverse(answer) is False
    out = _reported(capsys)
    assert out.startswith("✗ check_caffe_inverse") and says in out, out


def test_the_inverse_check_is_reachable_from_the_package():
    assert helpers.exercises.check_caffe_inverse is check_caffe_inverse
