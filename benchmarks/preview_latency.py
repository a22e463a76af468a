"""How fast the style panel answers a change: settings change -> first image -> finished preview.

    python -m benchmarks.preview_latency [--repeat 3] [--weights caffe]    (from the root folder)

Builds a :class:`helpers.StylePanel` with auto-preview on, moves its alpha/beta slider as a
learner would, and reads the panel's own timing of each preview: seconds from the change to the
first image shown (the start image, step 1), to the first optimised image, and to the finished
preview. The first preview also loads VGG19 and warms up the CPU kernels ("cold"); the others are
what a learner sees while exploring. Timings depend on the CPU and on its load: the load average
is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

import helpers
from helpers.panels.logic import preview_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm previews to time (default 3)")
    parser.add_argument("--weights", default="caffe", help="caffe (default) or none")
    args = parser.parse_args()
    weights = None if args.weights == "none" else args.weights

    print(
        f"preview {preview_run()} | torch threads {torch.get_num_threads()} | "
        f"load average before {os.getloadavg()[0]:.1f}"
    )
    panel = helpers.StylePanel("tubingen", "starry_night", weights=weights, auto_preview=True)
    ratios = [2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1][: args.repeat + 1]  # the default is 1e-3: all changes
    rows = []
    for k, ratio in enumerate(ratios):
        start = time.perf_counter()
        panel.ratio.value = ratio  # what the slider does: starts a preview
        panel.wait()
        t = panel.last_timing
        label = "cold" if k == 0 else f"warm {k}"
        print(
            f"{label:7s} ratio {ratio:.1e}: first image {t['to_first_image_s']:.2f} s, "
            f"first optimised image {t['to_second_image_s']:.2f} s, finished {t['to_finished_s']:.2f} s "
            f"({t['steps_run']} steps; wall {time.perf_counter() - start:.2f} s)"
        )
        if k:
            rows.append(t)
    if rows:
        for key in ("to_first_image_s", "to_second_image_s", "to_finished_s"):
            print(f"median {key}: {statistics.median(r[key] for r in rows):.2f} s")
    print(f"load average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
