r"""Interactive panels for the notebooks: tweak the weights and watch the image form.

* :class:`StylePanel`: every option of :func:`helpers.stylize` declared with a control (the
  ratio :math:`\alpha/\beta` on a log scale, :math:`w_l` per style layer with an on/off switch,
  content layer, pooling, initialisation, optimiser, size, steps), image pickers with uploads,
  Preview / Run / Stop / Save, the image as it forms, a live loss curve, and thumbnails of the
  last results.
* :class:`GramPanel`: pick a layer and two filters; see their feature maps and the Gram entry
  :math:`G^l_{ij} = \sum_k F^l_{ik} F^l_{jk}` they make, marked in the heat map.

Runs go to a :class:`~helpers.panels.runner.Runner`: one at a time, in a background thread, so the kernel
answers clicks while the optimiser works. A change during a *preview* stops it and starts a new
preview with the latest settings; during a *full-size* run the settings are disabled (greyed out)
until it ends or Stop is pressed. Widgets are only ever *updated* from that thread (an ``Image``
whose ``value`` is set), never written through an ``Output`` context, which is not thread-safe.

Every widget carries a CSS class (``nst-…``) so a browser test can find it. The logic (settings
-> ``stylize`` arguments, history -> curves, thumbnails) lives in :mod:`helpers.panels.logic`.

The panels live in :mod:`helpers.panels.style_panel` (with :mod:`~helpers.panels.style_layout`,
:mod:`~helpers.panels.controls` and :mod:`~helpers.panels.sources`) and
:mod:`helpers.panels.gram_panel`; this module gathers them under the name the notebooks use.
"""

from __future__ import annotations

from .gram_panel import GramPanel
from .style_layout import DISPLAY_SIDE
from .style_panel import StylePanel

__all__ = ["DISPLAY_SIDE", "GramPanel", "StylePanel"]
