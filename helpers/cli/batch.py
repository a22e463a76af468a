"""``python -m helpers batch --content ... --style ... -o OUTDIR``: every pair, and a contact sheet."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm.auto import tqdm

from ..base.errors import SettingsError
from ..synthesis.batch import check_inputs, check_outputs, contact_sheet, expand_inputs, run_batch, stem
from ..synthesis.settings import BEYOND, RUN, STYLIZE, Settings
from .common import EXIT_INTERRUPTED, add_beyond_options, add_options, add_run_options, option_values

EXIT_FAILED = 1


def add_batch_parser(sub) -> None:
    p = sub.add_parser(
        "batch",
        help="render every content image in the style of every style image, with a contact sheet",
        description=(
            "Render every CONTENT x STYLE pair into OUTDIR/<content>__<style>.png (and its JSON), "
            "then OUTDIR/contact_sheet.png. Folders stand for their images. An unreadable input is "
            "reported and skipped; the command exits 1 if anything failed, 130 on Ctrl-C (finished "
            "pairs and the running pair's best image are kept)."
        ),
    )
    p.add_argument("--content", nargs="+", required=True, metavar="IMAGE", help="content images or folders")
    p.add_argument("--style", nargs="+", required=True, metavar="IMAGE", help="style images or folders")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="the folder for the pictures")
    p.add_argument("--resume", action="store_true", help="skip pairs whose PNG and JSON are already there")
    p.add_argument("--force", action="store_true", help="overwrite pictures that are already there")
    add_options(p, STYLIZE)
    add_run_options(p)
    add_beyond_options(p)
    p.set_defaults(func=cmd_batch)


class _Bars:
    """One overall progress bar (pairs) and one per run (steps)."""

    def __init__(self, pairs: int, steps: int) -> None:
        self.steps = steps
        self.overall = tqdm(total=pairs, desc="pairs", position=0, file=sys.stderr)
        self.run: tqdm | None = None

    def start(self, index: int, total: int, content: str, style: str) -> None:
        self.close_run()
        self.overall.n = index
        self.overall.refresh()
        label = f"{stem(content)} x {stem(style)}"
        self.run = tqdm(total=self.steps, desc=label, position=1, leave=False, file=sys.stderr)

    def __call__(self, step: int, image, losses: dict) -> None:
        if self.run is not None:
            self.run.update(1)

    def close_run(self) -> None:
        if self.run is not None:
            self.run.close()
            self.run = None

    def close(self, done: int) -> None:
        self.close_run()
        self.overall.n = done
        self.overall.close()


def cmd_batch(args: argparse.Namespace) -> int:
    contents, broken = check_inputs(expand_inputs(args.content))
    styles, broken_styles = check_inputs(expand_inputs(args.style))
    broken |= broken_styles
    for source, reason in broken.items():
        print(f"skipping {source}: {reason}", file=sys.stderr)
    if not contents or not styles:
        raise SettingsError("nothing to render: no readable content image, or no readable style image")
    options = option_values(args, RUN + STYLIZE + BEYOND)
    settings = Settings.of(**options)  # every option checked before the first run
    check_outputs(contents, styles, Path(args.output), resume=args.resume, overwrite=args.force)
    bars = _Bars(len(contents) * len(styles), settings.total_steps)
    try:
        report = run_batch(
            contents,
            styles,
            args.output,
            resume=args.resume,
            overwrite=args.force,
            on_start=bars.start,
            callback=bars,
            **(options | {"progress": False}),
        )
    finally:
        bars.close(len(contents) * len(styles))
    sheet = contact_sheet(contents, styles, args.output)
    for pair, reason in report.failed.items():
        print(f"failed {pair}: {reason}", file=sys.stderr)
    unreadable = f", {len(broken)} unreadable input(s) skipped" if broken else ""
    print(f"{report.summary()}{unreadable}; contact sheet: {sheet}")
    if report.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if report.failed or broken else 0
