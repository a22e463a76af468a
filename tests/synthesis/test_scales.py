"""time_to_loss: how long a single-scale run needs to reach a loss (what coarse to fine saves)."""

from __future__ import annotations

import helpers
from helpers.synthesis.scales import time_to_loss


def test_time_to_loss_stops_at_the_target_or_says_it_was_not_reached(content64, style64):
    common = {"size": 48, "max_steps": 6, "weights": None, "device": "cpu"}
    seconds, steps, result = time_to_loss(helpers.stylize, content64, style64, target=float("inf"), **common)
    assert steps == 1 and seconds >= 0 and result.stopped == "stopped"
    seconds, steps, result = time_to_loss(helpers.stylize, content64, style64, target=-1.0, **common)
    assert seconds is None and steps == 6 and len(result.history) == 6
