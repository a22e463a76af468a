"""The setup cell shared by every notebook."""

from __future__ import annotations

import platform
import random
import sys

import numpy as np
import torch

from ..base.config import default_device, mode, package_version, quick_mode
from ..base.errors import StyleTransferError, one_line


def _short_error(shell, etype, value, tb, tb_offset=None):  # IPython's custom-exception signature
    print(one_line(value, typed=True), file=sys.stderr)


MODE_NOTES = {
    "quick": "NST_MODE=quick: tiny images and few steps, for the tests (lab: a class; full: quality).",
    "lab": "NST_MODE=lab: sizes and steps for a class, minutes per notebook (full: quality).",
}


def notebook_setup(seed: int = 0, *, quiet: bool = False) -> dict:
    """Seed every generator, set the plot style, make the package's errors one line, print versions.

    Call it in the first code cell. Returns the facts it printed (versions, device, quick mode).
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    import matplotlib as mpl

    mpl.rcParams.update({"figure.dpi": 100, "image.interpolation": "antialiased", "axes.titlesize": 10})
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        # A bad file name or setting shows one line that says what to do, not a traceback.
        shell.set_custom_exc((StyleTransferError,), _short_error)
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "helpers": package_version(),
        "device": str(default_device()),
        "cpu_threads": torch.get_num_threads(),
        "mode": mode(),
        "quick_mode": quick_mode(),
    }
    if not quiet:
        print(" | ".join(f"{k} {v}" for k, v in info.items()))
        if info["mode"] != "full":
            print(MODE_NOTES[info["mode"]])
    return info
