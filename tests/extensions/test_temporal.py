"""Optical flow, warping, the consistency weights and the temporal loss (Ruder et al. 2016)."""

from __future__ import annotations

import pytest
import torch

from helpers.extensions.temporal import (
    TemporalObjective,
    consistency,
    optical_flow,
    temporal_error,
    temporal_loss,
    warp,
)
from helpers.imaging.images import load_image

pytest.importorskip("cv2", reason="the video extra (opencv-python-headless) is not installed")


@pytest.fixture(scope="module")
def photo(images_dir):
    return load_image("tubingen", 300)


def _shifted(photo, dx: int, dy: int):
    """Two views of the photo; in the second the camera has moved right dx and down dy pixels."""
    a = photo[..., 20 : 20 + 160, 20 : 20 + 240]
    b = photo[..., 20 + dy : 20 + dy + 160, 20 + dx : 20 + dx + 240]
    return a, b


def test_the_flow_of_a_known_camera_move_is_found_and_warping_undoes_it(photo):
    a, b = _shifted(photo, 3, 1)
    forward, backward = optical_flow(a, b), optical_flow(b, a)
    # b(p) = a(p + (3, 1)): the backward flow is (3, 1) px, the forward one its opposite
    assert [float(backward[k].median()) for k in (0, 1)] == pytest.approx([3, 1], abs=0.1)
    assert [float(forward[k].median()) for k in (0, 1)] == pytest.approx([-3, -1], abs=0.1)
    c = consistency(forward, backward)
    assert 0.9 < c.mean() < 1  # all but the strip that came into view
    assert c[0, 0, :, -1].sum() == 0 and c[0, 0, -1, :].sum() == 0  # its source lies outside a
    moved = warp(a, backward)
    error = ((moved - b).abs() * c).sum() / (3 * c.sum())
    assert error < 0.01 < (a - b).abs().mean() / 3


def test_warp_by_zero_is_the_identity_and_by_whole_pixels_a_shift():
    image = torch.rand(1, 3, 12, 16)
    assert torch.allclose(warp(image, torch.zeros(2, 12, 16)), image, atol=1e-6)
    flow = torch.zeros(2, 12, 16)
    flow[0] = 2  # out(p) = image(p + 2 px to the right)
    moved = warp(image, flow)
    assert torch.allclose(moved[..., :-2], image[..., 2:], atol=1e-6)
    assert torch.allclose(moved[..., -2:], image[..., -1:].expand(-1, -1, -1, 2), atol=1e-6)  # the border
    filled = warp(image, flow, fill=torch.zeros(1, 3, 1, 1))
    assert filled[..., -2:].abs().max() == 0


def test_a_square_moving_over_a_still_background_is_inconsistent_where_it_uncovers():
    backward = torch.zeros(2, 40, 40)
    forward = torch.zeros(2, 40, 40)
    forward[0, 10:20, 10:20] = 6  # frame i-1's square moves 6 px right
    backward[0, 10:20, 16:26] = -6  # in frame i it came from 6 px to the left
    c = consistency(forward, backward)[0, 0]
    assert c[10:20, 10:16].sum() == 0  # uncovered: the forward flow there led elsewhere
    assert c[:, 30:].min() == 1 and c[25:, :].min() == 1  # still background is trusted
    assert c[10:20, 15:17].sum() == 0 and c[10:20, 25:27].sum() == 0  # the square's motion boundaries


def test_the_temporal_loss_is_the_weighted_mean_square_and_adds_to_the_objective():
    image, warped = torch.zeros(1, 3, 2, 2), torch.ones(1, 3, 2, 2)
    weights = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]])
    assert temporal_loss(image, warped, weights) == pytest.approx(6 / 12)  # 1/D sum c (x - w)^2, D = 12

    def objective(x):
        return x.sum(), {"content": x.sum(), "style": x.sum() * 0}

    wrapped = TemporalObjective(objective, warped, weights, gamma=10)
    x = torch.full((1, 3, 2, 2), 0.5, requires_grad=True)
    total, terms = wrapped(x)
    assert float(terms["temporal"]) == pytest.approx(0.25 * 6 / 12)
    assert float(total) == pytest.approx(6 + 10 * 0.125)
    total.backward()
    expected = 1 + 10 * 2 * (0.5 - 1) * weights.expand(1, 3, 2, 2) / 12
    assert torch.allclose(x.grad, expected)


def test_temporal_error_is_zero_for_frames_that_follow_the_flow_and_grows_with_flicker():
    base = torch.rand(1, 3, 20, 30)
    flow = torch.zeros(2, 20, 30)
    flow[0] = 1
    frames = [base, warp(base, flow)]
    weights = [consistency(-flow, flow)]
    assert temporal_error(frames, [flow], weights) == [pytest.approx(0, abs=1e-10)]
    noisy = [base, frames[1] + 0.1 * torch.randn_like(base)]
    assert temporal_error(noisy, [flow], weights)[0] == pytest.approx(0.01, rel=0.1)


def test_both_flicker_measures_are_small_for_the_input_clip_and_large_for_independent_noise():
    """flicker (DIS flow, as the video JSON reports it) and camera_flicker (the camera's true motion)."""
    from helpers.course.synthetic import camera_clip, camera_flicker
    from helpers.extensions.temporal import flicker

    clip = camera_clip(load_image("tubingen", 128), 3, size=64)
    g = torch.Generator().manual_seed(0)
    noise = [torch.rand(1, 3, *clip.shape, generator=g) for _ in clip.frames]
    assert camera_flicker(clip.frames) < 0.005 < camera_flicker(noise)
    assert flicker(clip.frames, clip.frames) < 0.005 < flicker(noise, clip.frames)
