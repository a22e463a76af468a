"""The panels' logic, no widgets: settings -> stylize arguments, uploads, thumbnails, curves, Gram entries."""

from __future__ import annotations

import json

import pytest
import torch

import helpers
from helpers.base.errors import ImageError, SettingsError
from helpers.core.vgg import STYLE_LAYERS
from helpers.panels.logic import (
    Gallery,
    PanelSettings,
    gram_entry,
    loss_curves,
    loss_plot_png,
    preview_run,
    read_upload,
    save_path,
    strongest_pair,
    stylize_kwargs,
)
from tests.panels.conftest import PNG, _png

pytestmark = pytest.mark.usefixtures("_quick")  # previews of 64 px x 4 steps, full runs 64 px x 8 steps


def test_stylize_kwargs_is_a_plain_function(content64, style64):
    sources = {"photo": content64, "painting": style64}
    settings = PanelSettings(content="photo", style="painting", ratio=1e-4, size=80, steps=7)
    kw = stylize_kwargs(settings, sources, weights=None)
    assert kw["content"] is content64 and kw["style"] is style64
    assert (kw["size"], kw["steps"], kw["ratio"]) == (80, 7, 1e-4)
    assert kw["style_layers"] == list(STYLE_LAYERS) and kw["preserve_color"] is None
    assert kw["compile"] is False  # an interactive run never waits for a compilation
    # all style layers off: the content alone is reconstructed
    off = settings.copy(layers_on=dict.fromkeys(STYLE_LAYERS, False))
    kw = stylize_kwargs(off, sources, mode="preview")
    assert kw["style"] is None and kw["style_layers"] == [] and kw["size"] == preview_run()["size"]
    with pytest.raises(SettingsError, match="no style image called 'nope'"):
        stylize_kwargs(settings.copy(style="nope"), sources)
    with pytest.raises(SettingsError, match="preview"):
        stylize_kwargs(settings, sources, mode="draft")
    assert PanelSettings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings


def test_read_upload_accepts_both_value_shapes():
    data = _png()
    upload = {"name": "a.png", "type": "image/png", "size": len(data), "content": memoryview(data)}
    name, image, notes = read_upload((upload,))
    assert name == "a.png" and image.shape == (1, 3, 48, 64) and notes == []
    name, image, _ = read_upload({"b.png": {"name": "b.png", "content": data}})  # ipywidgets 7's dict
    assert name == "b.png"
    big = {"name": "big.png", "content": _png((2400, 1200))}
    assert read_upload((big,))[1].shape == (1, 3, 512, 1024)  # kept at the size slider's maximum
    with pytest.raises(ImageError, match="no file was uploaded"):
        read_upload(())


def test_gallery_and_save_path(tmp_path, content64):
    gallery = Gallery(keep=2)
    result = helpers.Result(image=content64, history=[{"step": 1, "content": 2.0, "style": 3.0, "total": 5}])
    result.best_step = 1
    for ratio in (1e-3, 1e-2, 1e-1):
        gallery.add(result, PanelSettings(ratio=ratio), "preview")
    assert len(gallery) == 2 and gallery.items[0].settings.ratio == 1e-1
    assert gallery.items[0].thumbnail.startswith(PNG) and "L_content 2, L_style 3" in gallery.items[0].caption
    first = save_path(tmp_path, PanelSettings())
    assert first.name == "tubingen_starry_night_ratio1e-03_full_001.png"
    first.with_suffix(".json").write_text("{}")
    assert save_path(tmp_path, PanelSettings()).name.endswith("_002.png")
    with pytest.raises(SettingsError):
        Gallery(keep=0)


def test_loss_curves_are_the_weighted_terms_of_eq7():
    history = [
        {"step": 1, "content": 100.0, "style": 2.0, "total": 2.1},
        {"step": 2, "content": 50.0, "style": 1.0},
    ]
    curves = loss_curves(history, alpha=1e-3)
    assert curves["step"] == [1, 2]
    assert curves["content"] == pytest.approx([0.1, 0.05]) and curves["style"] == [2.0, 1.0]
    assert loss_plot_png(curves, steps=10).startswith(PNG)
    no_style = loss_curves([{"step": 1, "content": 1.0, "style": 0.0}], alpha=1.0)
    assert loss_plot_png(no_style).startswith(PNG)


def test_gram_entry_is_the_sum_of_the_product_map():
    torch.manual_seed(0)
    features = torch.rand(1, 6, 5, 7)
    entry = gram_entry(features, 2, 4)
    assert entry.value == pytest.approx(float(helpers.gram_matrix(features)[0, 2, 4]), rel=1e-5)
    assert entry.value == pytest.approx(float(entry.product.sum()), rel=1e-5)
    assert gram_entry(features, 3, 3).cosine == pytest.approx(1.0)
    assert 0 < entry.cosine < 1
    with pytest.raises(SettingsError, match="N_l = 6"):
        gram_entry(features, 0, 6)
    i, j = strongest_pair(entry.gram)
    g = entry.gram.clone().fill_diagonal_(0)
    assert i != j and g[i, j] == g.max()
