"""The paper's figures: every one rendered through the CLI in quick mode, its layout and its JSON.

The rendering checks run every figure with the real weights at 48 px and 4 steps (NST_QUICK=1).
"""

from __future__ import annotations

import json
import math
import os

import matplotlib
import numpy as np
import pytest
import torch
from PIL import Image

matplotlib.use("Agg")

import helpers
from helpers import figures
from tests.conftest import run_cli

PANELS = {"1": 10, "2": 5, "3": 20, "init": 6}  # optimised panels per figure
INPUTS = {"1": 2, "2": 1, "3": 0, "init": 0}  # panels that show an input image


def cli(*args, timeout=900):
    return run_cli(*args, timeout=timeout, NST_QUICK="1")


def test_gallery_and_figure_together_is_a_one_line_error(tmp_path):
    run = cli("figures", "--gallery", "--figure", "2", "-o", tmp_path)
    assert run.returncode == 2
    assert "leave out --figure" in run.stderr and "Traceback" not in run.stderr
    assert not any(tmp_path.iterdir())


# ------------------------------------------------- every figure, rendered as a user would


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, images_dir):
    """``python -m helpers figures`` (all four) under NST_QUICK=1."""
    folder = tmp_path_factory.mktemp("figures")
    run = cli("figures", "-o", folder)
    assert run.returncode == 0, run.stderr
    return folder, run.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", figures.FIGURES)
def test_each_figure_writes_a_png_and_its_json(rendered, name):
    folder, stdout = rendered
    png = folder / f"{figures.FILE_NAMES[name]}.png"
    about = json.loads(png.with_suffix(".json").read_text())
    assert f"wrote {png}" in stdout
    # The PNG is the figure the JSON describes, and no panel is smaller than the run's images.
    width, height = Image.open(png).size
    assert (width, height) == (about["image"]["width"], about["image"]["height"])
    assert about["figure"] == name and about["quick_mode"] is True
    # Settings: the paper's, at quick mode's size and steps.
    settings = about["settings"]
    assert settings["size"] == 48 and settings["steps"] == 4
    assert (settings["weights"], settings["pooling"], settings["optimizer"]) == ("caffe", "avg", "lbfgs")
    assert about["device"] == settings["device"] and about["device"].split(":")[0] in {"cpu", "cuda", "mps"}
    assert about["versions"]["helpers"] == helpers.__version__
    assert about["versions"]["torch"] == torch.__version__
    # One entry per panel, each with finite final losses and its own seconds.
    panels = about["panels"]
    assert len(panels) == PANELS[name] == about["layout"]["panels"] - INPUTS[name]
    for panel in panels.values():
        assert math.isfinite(panel["final_losses"]["total"]) and panel["final_losses"]["total"] > 0
        assert panel["seconds"] > 0 and panel["steps_run"] == 4 and panel["stopped"] is None
    assert about["seconds"] >= sum(p["seconds"] for p in panels.values()) * 0.99
    assert about["command"].startswith(f"python -m helpers figures --figure {name} --size 48 --steps 4")
    panel_px = 48 * about["image"]["dpi"] / 72  # a 48-px run is drawn at least this wide
    columns = {"1": 6, "2": 3, "3": 4, "init": 6}[name]
    assert width >= columns * panel_px


@pytest.mark.slow
def test_figure1_grid_labels(rendered):
    folder, _ = rendered
    about = json.loads((folder / "figure1.json").read_text())
    layout = about["layout"]
    assert layout["row_labels"] == ["style reconstructions", "content reconstructions"]
    assert layout["titles"][0] == "style image" and layout["titles"][6] == "content image"
    assert layout["titles"][1:6] == [figures.layer_set_label(s) for s in figures.GROWING_STYLE_SETS]
    assert layout["titles"][7:] == list(figures.FIG1_CONTENT_LAYERS)
    content = [p for k, p in about["panels"].items() if k.startswith("content")]
    assert [p["settings"]["content_layers"] for p in content] == [[c] for c in figures.FIG1_CONTENT_LAYERS]
    assert all(p["settings"]["style"] == [] for p in content)


@pytest.mark.slow
def test_figure2_letters_insets_and_ratios(rendered):
    folder, _ = rendered
    about = json.loads((folder / "figure2.json").read_text())
    layout = about["layout"]
    assert layout["letters"] == list("ABCDEF")
    assert layout["insets"] == [f"inset {style}" for _, style, _ in figures.FIG2_PANELS]
    assert {k: p["ratio"] for k, p in about["panels"].items()} == {
        "B": 1e-3,
        "C": 1e-3,
        "D": 1e-3,
        "E": 1e-4,
        "F": 1e-4,
    }
    assert all(p["settings"]["alpha"] == p["ratio"] for p in about["panels"].values())
    assert about["seeds"] == [0] and about["settings"]["init"] == "noise"
    assert "photo: Andreas Praefcke" in layout["captions"][0]


@pytest.mark.slow
def test_figure3_is_layer_sets_by_ratios(rendered):
    folder, _ = rendered
    about = json.loads((folder / "figure3.json").read_text())
    assert len(about["layout"]["row_labels"]) == 5 and len(about["layout"]["titles"]) == 20
    assert "Composition VII" in about["layout"]["suptitle"]
    cells = {(p["layers"], p["ratio"]) for p in about["panels"].values()}
    assert cells == {
        (figures.layer_set_label(s), r) for s in figures.GROWING_STYLE_SETS for r in figures.FIG3_RATIOS
    }


@pytest.mark.slow
def test_initialisation_seeds(rendered):
    folder, _ = rendered
    about = json.loads((folder / "figure_init.json").read_text())
    assert about["seeds"] == [0, 1, 2, 3]
    inits = {k: p["settings"]["init"] for k, p in about["panels"].items()}
    assert inits == {"content": "content", "style": "style", **{f"noise {s}": "noise" for s in range(4)}}
    # Different noise seeds give different pictures, hence different losses.
    noise = [about["panels"][f"noise {s}"]["final_losses"]["total"] for s in range(4)]
    assert len(set(noise)) == 4


@pytest.fixture(scope="module")
def figure2_in_process(images_dir):
    """Fig. 2 through the API, panel C made first with a Frames callback and reused."""
    old = os.environ.get("NST_QUICK")
    os.environ["NST_QUICK"] = "1"
    try:
        frames = figures.Frames(every=2)
        run = figures.default_run("2")
        c = helpers.stylize("tubingen", "starry_night", ratio=1e-3, callback=frames, progress=False, **run)
        fig2 = figures.figure2(done={"C": c}, progress=False)
    finally:
        if old is None:
            os.environ.pop("NST_QUICK")
        else:
            os.environ["NST_QUICK"] = old
    yield fig2, c, frames
    fig2.close()


@pytest.mark.slow
def test_figure2_reuses_a_finished_run_and_matches_the_cli(figure2_in_process, rendered):
    fig2, c, frames = figure2_in_process
    assert fig2.results["C"] is c and frames.steps == [1, 2, 4]
    # The JSON is enough to regenerate the figure: the CLI's losses, exactly.
    folder, _ = rendered
    about = json.loads((folder / "figure2.json").read_text())
    for letter, result in fig2.results.items():
        assert result.final["total"] == about["panels"][letter]["final_losses"]["total"]


@pytest.mark.slow
def test_figure2_insets_are_the_paintings(figure2_in_process):
    fig2, _, _ = figure2_in_process
    panels = [ax for ax in fig2.fig.axes if ax.get_images()]
    assert len(panels) == 6 and not panels[0].child_axes  # the photo (A) has no inset
    for ax, (_, style, _) in zip(panels[1:], figures.FIG2_PANELS):
        (inset,) = ax.child_axes
        shown = inset.get_images()[0].get_array()
        painting = helpers.load_image(style, 64)[0].permute(1, 2, 0).numpy()
        assert shown.shape == painting.shape and np.allclose(shown, painting)


@pytest.mark.slow
def test_gallery_holds_only_renderings(tmp_path, figure2_in_process):
    fig2, _, _ = figure2_in_process
    run = cli("figures", "--gallery", "-o", tmp_path)
    assert run.returncode == 0, run.stderr
    free = [
        (letter, style, ratio) for letter, style, ratio in figures.FIG2_PANELS if style != "femme_nue_assise"
    ]
    # Picasso's painting is under copyright: its rendering (panel E) stays out of the gallery
    assert {p.name for p in tmp_path.glob("*.png")} == {
        *(f"fig2_{letter}_{style}.png" for letter, style, _ in free),
        "fig3_composition_vii.png",
    }
    for letter, style, ratio in free:
        png = tmp_path / f"fig2_{letter}_{style}.png"
        # Exactly the rendering: its own size, its own pixels; no photo, no painting inset.
        expected = np.asarray(helpers.to_pil(fig2.results[letter].image))
        assert np.array_equal(np.asarray(Image.open(png).convert("RGB")), expected)
        about = json.loads(png.with_suffix(".json").read_text())
        assert (about["panel"], about["style"], about["ratio"]) == (letter, style, ratio)
        assert about["versions"]["torch"] == torch.__version__ and about["settings"]["seed"] == 0
        assert about["quick_mode"] is True and about["final_losses"]["total"] > 0
        assert about["command"].startswith("python -m helpers figures --gallery")
        assert "--size" not in about["command"]  # each figure keeps its own default size
    grid = json.loads((tmp_path / "fig3_composition_vii.json").read_text())
    assert grid["layout"]["panels"] == 20 and not grid["layout"]["insets"]
    assert not list(tmp_path.glob("*tubingen*")) and not list(tmp_path.glob("figure2*"))
