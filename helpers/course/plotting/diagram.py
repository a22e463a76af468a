"""The whole algorithm of Gatys et al. in one picture, drawn with matplotlib (notebook 01's tour).

The photo p and the painting a go through the frozen VGG19 once and give the targets: the
responses P^l at conv4_2 and the Gram matrices A^l at conv1_1 ... conv5_1. The image x, which
starts as faint noise, goes through the same network at every step; the content loss (Eq. 1),
the style loss (Eq. 5) and their weighted sum (Eq. 7) are differentiated with respect to the
pixels of x only, and L-BFGS updates x.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from ...core.vgg import CONTENT_LAYERS, STYLE_LAYERS

# Colours by role, so that the eye can follow each path: targets, the image, losses, the update.
TARGET, IMAGE, NETWORK, LOSS, UPDATE = "#dbe9f6", "#fde8c8", "#e6e6e6", "#e3f1de", "#f6d5d5"


def _box(
    ax, x: float, y: float, text: str, colour: str, *, width: float = 0.16, height: float = 0.13
) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.01,rounding_size=0.015",
            facecolor=colour,
            edgecolor="0.3",
            linewidth=1,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=9, wrap=True)


def _arrow(
    ax, start: tuple[float, float], end: tuple[float, float], *, colour: str = "0.25", **style
) -> None:
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.3, "shrinkA": 0, "shrinkB": 0, **style},
    )


# long: one figure, drawn box by box from left to right
def algorithm_diagram(ax=None):
    r"""Draw the algorithm: targets computed once, the image as the only parameter, L-BFGS on pixels.

    .. math:: \mathcal L_{total}(\vec p, \vec a, \vec x) = \alpha\,\mathcal L_{content}(\vec p, \vec x)
              + \beta\,\mathcal L_{style}(\vec a, \vec x) \qquad \text{(Eq. 7)}

    with :math:`\mathcal L_{content} = \frac12 \sum_{ij} (F^l_{ij} - P^l_{ij})^2` at conv4_2 (Eq. 1)
    and :math:`\mathcal L_{style} = \sum_l w_l E_l` over conv1_1 ... conv5_1 (Eq. 5). Returns the figure.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(12, 5.6))
    else:
        fig = ax.figure
    ax.set(xlim=(0, 1), ylim=(-0.08, 1.02))
    ax.set_axis_off()
    content, style = CONTENT_LAYERS[0], STYLE_LAYERS

    # The targets: computed once, before the optimisation, and never differentiated.
    ax.add_patch(
        FancyBboxPatch(
            (0.005, 0.52),
            0.63,
            0.47,
            boxstyle="round,pad=0.005",
            facecolor="#f4f8fc",
            edgecolor="#9bbbd9",
            ls="--",
        )
    )
    ax.text(
        0.015,
        0.965,
        "computed once, before the optimisation (no gradient)",
        fontsize=9,
        color="#3b6e9e",
        va="top",
    )
    rows = {"photo": 0.84, "painting": 0.64, "image": 0.32}
    _box(ax, 0.09, rows["photo"], "photo $\\vec p$", TARGET)
    _box(ax, 0.09, rows["painting"], "painting $\\vec a$", TARGET)
    _box(ax, 0.09, rows["image"], "image $\\vec x$\nstarts as faint noise", IMAGE)
    for row in rows.values():
        _box(ax, 0.3, row, "VGG19\n(frozen weights)", NETWORK, width=0.13)
        _arrow(ax, (0.17, row), (0.235, row))
        _arrow(ax, (0.365, row), (0.43, row))
    _box(ax, 0.52, rows["photo"], f"$P^l$: responses\nat {content}", TARGET, width=0.17)
    _box(ax, 0.52, rows["painting"], f"$A^l$: Gram matrices\nat {style[0]} … {style[-1]}", TARGET, width=0.17)
    _box(
        ax, 0.52, rows["image"], f"$F^l$ at {content},\n$G^l$ at {style[0]} … {style[-1]}", IMAGE, width=0.17
    )

    # The losses compare the image's responses with the targets.
    loss_x = 0.74
    _box(
        ax,
        loss_x,
        0.74,
        "$\\mathcal{L}_{content}$ (Eq. 1)\n$\\frac{1}{2}\\sum (F^l - P^l)^2$",
        LOSS,
        width=0.17,
    )
    _box(
        ax,
        loss_x,
        0.44,
        "$\\mathcal{L}_{style}$ (Eq. 5)\n$\\sum_l w_l E_l$, $E_l \\propto \\sum (G^l - A^l)^2$",
        LOSS,
        width=0.17,
    )
    _arrow(ax, (0.605, rows["photo"]), (loss_x - 0.085, 0.76))
    _arrow(ax, (0.605, rows["image"] + 0.03), (loss_x - 0.085, 0.72))
    _arrow(ax, (0.605, rows["painting"]), (loss_x - 0.085, 0.46))
    _arrow(ax, (0.605, rows["image"]), (loss_x - 0.085, 0.42))
    _box(
        ax,
        0.91,
        0.59,
        "$\\mathcal{L}_{total}$ (Eq. 7)\n$\\alpha\\,\\mathcal{L}_{content}$\n"
        "$+\\ \\beta\\,\\mathcal{L}_{style}$",
        LOSS,
        width=0.13,
        height=0.17,
    )
    _arrow(ax, (loss_x + 0.085, 0.74), (0.845, 0.63))
    _arrow(ax, (loss_x + 0.085, 0.44), (0.845, 0.55))

    # The way back: the gradient reaches the pixels only, and L-BFGS changes them.
    red = "#b03030"
    ax.plot([0.91, 0.91, 0.62], [0.5, 0.02, 0.02], color=red, lw=1.6)
    _box(ax, 0.52, 0.02, "L-BFGS updates $\\vec x$", UPDATE, width=0.2, height=0.09)
    ax.plot([0.42, 0.09], [0.02, 0.02], color=red, lw=1.6)
    _arrow(ax, (0.09, 0.02), (0.09, rows["image"] - 0.065), colour=red, lw=1.6)
    ax.text(
        0.77,
        0.05,
        "gradient $\\partial\\mathcal{L}_{total}/\\partial\\vec x$: to the pixels only",
        fontsize=9,
        color=red,
        ha="center",
    )
    ax.text(0.3, 0.16, "the same network, every step", fontsize=8, color="0.35", ha="center", style="italic")
    ax.set_title("Gatys et al.: the image is the only thing that changes", fontsize=11)
    return fig
