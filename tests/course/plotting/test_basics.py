"""markdown_table and gallery: the small display helpers the notebooks use."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

import helpers
from helpers.course.plotting import MarkdownTable


def test_markdown_table_renders_as_markdown_and_escapes_pipes():
    table = helpers.markdown_table(["layer", "N_l"], [("conv1_1", 64), ("a|b", "x\ny")])
    assert isinstance(table, MarkdownTable) and isinstance(table, str)
    assert table._repr_markdown_() == str(table)
    lines = str(table).splitlines()
    assert lines[0] == "| layer | N_l |" and lines[1] == "| --- | --- |"
    assert lines[2] == "| conv1_1 | 64 |"
    assert lines[3] == "| a\\|b | x y |", "a pipe or newline inside a cell must not break the table"


def test_markdown_table_refuses_ragged_rows():
    with pytest.raises(ValueError, match="2 columns"):
        helpers.markdown_table(["a", "b"], [(1, 2, 3)])


def test_gallery_titles_every_image_and_blanks_the_rest():
    images = [torch.rand(1, 3, 8, 12) for _ in range(5)]
    fig = helpers.gallery(images, [f"image {i}" for i in range(5)], cols=3)
    axes = fig.axes
    assert len(axes) == 6
    assert [ax.get_title() for ax in axes[:5]] == [f"image {i}" for i in range(5)]
    assert axes[5].get_title() == "" and not axes[5].images
    assert axes[0].images[0].get_array().shape[:2] == (8, 12)
    with pytest.raises(ValueError, match="titles"):
        helpers.gallery(images, ["one"])
