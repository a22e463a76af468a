"""Shared by the plotting tests: a fixture closing every figure a test made (asked for with pytestmark)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest


@pytest.fixture
def _close_figures():
    yield
    plt.close("all")
