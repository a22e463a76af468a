"""one_line: every exception a learner sees (CLI, panel, notebook) as one line."""

from __future__ import annotations

import pytest

from helpers.base.errors import ImageError, SettingsError, one_line


@pytest.mark.parametrize(
    ("exc", "plain", "typed"),
    [
        (
            SettingsError("steps must be at least 1"),
            "steps must be at least 1",
            "SettingsError: steps must be at least 1",
        ),
        (ImageError("bad.png is empty\nmore detail"), "bad.png is empty", "ImageError: bad.png is empty"),
        (KeyError("conv9_9"), "KeyError: 'conv9_9'", "KeyError: 'conv9_9'"),
        (
            RuntimeError("  out of memory \n trace"),
            "RuntimeError: out of memory",
            "RuntimeError: out of memory",
        ),
        (ValueError(), "ValueError", "ValueError"),
        (SettingsError(""), "SettingsError", "SettingsError"),
    ],
)
def test_one_line_keeps_the_first_line_and_names_foreign_types(exc, plain, typed):
    assert one_line(exc) == plain
    assert one_line(exc, typed=True) == typed
