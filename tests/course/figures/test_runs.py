"""The runs behind the paper's figures: default sizes and steps, the paper's panels and ratios, interrupts."""

from __future__ import annotations

import pytest

import helpers
from helpers import figures
from helpers.base.errors import SettingsError
from tests.course.figures.conftest import fake


def test_default_run_is_tiny_in_quick_mode_and_recognisable_otherwise(monkeypatch):
    monkeypatch.delenv("NST_QUICK", raising=False)
    monkeypatch.setenv("NST_MODE", "quick")
    quick = {name: figures.default_run(name) for name in figures.FIGURES}
    monkeypatch.setenv("NST_MODE", "full")
    full = {name: figures.default_run(name) for name in figures.FIGURES}
    for name in figures.FIGURES:
        assert quick[name]["size"] <= 64 and quick[name]["steps"] <= 10
        assert full[name]["size"] >= 160 and full[name]["steps"] >= 200
    with pytest.raises(SettingsError, match="unknown figure"):
        figures.default_run("4")


def test_the_paper_panels_and_ratios():
    assert [(p[0], p[2]) for p in figures.FIG2_PANELS] == [
        ("B", 1e-3),
        ("C", 1e-3),
        ("D", 1e-3),
        ("E", 1e-4),
        ("F", 1e-4),
    ]
    assert figures.FIG3_RATIOS == (1e-5, 1e-4, 1e-3, 1e-2)
    assert figures.GROWING_STYLE_SETS[-1] == tuple(helpers.STYLE_LAYERS)


def test_an_interrupted_panel_stops_the_whole_figure():
    interrupted = fake()
    interrupted.stopped = "interrupted"
    ran = []
    jobs = {"a": lambda: ran.append("a") or fake(), "b": lambda: interrupted, "c": lambda: ran.append("c")}
    with pytest.raises(KeyboardInterrupt):
        figures.run_jobs(jobs, False, "test")
    assert ran == ["a"]
