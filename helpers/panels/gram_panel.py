r"""The Gram panel: pick a layer and two filters; see their feature maps and the Gram entry
:math:`G^l_{ij} = \sum_k F^l_{ik} F^l_{jk}` they make, marked in the heat map.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import ipywidgets as W
import torch

from ..base.config import choose
from ..core.vgg import CHANNELS, STYLE_LAYERS, vgg19
from ..imaging.images import ImageSource, load_image
from .controls import classed
from .logic import gram_entry, gram_figure_png, png_bytes, strongest_pair


class GramPanel:
    r"""Pick a layer and two filters; see their feature maps and the Gram entry they make.

    :math:`G^l_{ij} = \sum_k F^l_{ik} F^l_{jk}`: the product of the two maps, summed over every
    position k. The heat map marks where the entry sits among all :math:`N_l \times N_l`.
    """

    def __init__(
        self,
        image: ImageSource = "starry_night",
        *,
        size: int | None = None,
        layers=STYLE_LAYERS,
        weights: str | None = "caffe",
        pooling: str = "avg",
        device: str | torch.device | None = None,
    ) -> None:
        size = choose(128, quick=64) if size is None else size
        picture = load_image(image, size)
        net = vgg19(weights, pooling, device)
        with torch.no_grad():
            self.features = {k: v.float().cpu() for k, v in net(picture.to(net.device), list(layers)).items()}
        self.picture = picture
        first = list(layers)[0]
        n = CHANNELS[first]
        self.layer = classed(
            W.Dropdown(options=list(layers), value=first, description="layer"), "nst-gram-layer"
        )
        self.i = classed(W.IntSlider(value=0, min=0, max=n - 1, description="filter i"), "nst-gram-i")
        self.j = classed(W.IntSlider(value=1, min=0, max=n - 1, description="filter j"), "nst-gram-j")
        self.strongest_button = classed(
            W.Button(description="strongest pair", tooltip="the largest off-diagonal G_ij of this layer"),
            "nst-gram-strongest",
        )
        self.figure = classed(W.Image(format="png", layout=W.Layout(width="100%")), "nst-gram-figure")
        self.readout = classed(W.HTML(), "nst-gram-readout")
        self._holding = False
        self.layer.observe(self._on_layer, "value")
        self.i.observe(lambda _: self._changed(), "value")
        self.j.observe(lambda _: self._changed(), "value")
        self.strongest_button.on_click(lambda _: self.select_strongest())
        thumb = W.Image(value=png_bytes(picture, 96), format="png", layout=W.Layout(max_height="96px"))
        self.widget = classed(
            W.VBox(
                [
                    W.HBox([thumb, W.VBox([self.layer, self.i, self.j, self.strongest_button])]),
                    self.readout,
                    self.figure,
                ]
            ),
            "nst-gram-panel",
        )
        self.update()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def entry(self):
        """The current :class:`~helpers.panels.logic.GramEntry`."""
        return gram_entry(self.features[self.layer.value], self.i.value, self.j.value)

    def _changed(self) -> None:
        if not self._holding:
            self.update()

    @contextlib.contextmanager
    def _hold(self) -> Iterator[None]:
        """Move several controls, then draw once."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
        self.update()

    def _on_layer(self, change) -> None:
        n = self.features[change["new"]].shape[1]
        with self._hold():
            self.i.max = self.j.max = n - 1  # clamps i and j into the new layer's range

    def select_strongest(self) -> None:
        """Jump to the two filters of this layer that respond together most (largest off-diagonal G_ij)."""
        i, j = strongest_pair(self.entry().gram)
        with self._hold():
            self.i.value, self.j.value = i, j

    def update(self) -> None:
        entry = self.entry()
        layer = self.layer.value
        n, m = entry.gram.shape[0], entry.f_i.numel()
        self.readout.value = (
            f"<b>{layer}</b>: N<sub>l</sub> = {n} filters, M<sub>l</sub> = {m} positions. "
            f"G<sub>{entry.i},{entry.j}</sub> = Σ<sub>k</sub> F<sub>{entry.i}k</sub> F<sub>{entry.j}k</sub> "
            f"= <b>{entry.value:.4g}</b>; normalised G<sub>ij</sub>/√(G<sub>ii</sub>G<sub>jj</sub>) = "
            f"{entry.cosine:.2f}"
        )
        self.figure.value = gram_figure_png(entry, layer)
