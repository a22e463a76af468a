"""The commands ``stylize``, ``texture``, ``figures`` and ``examples``."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import matplotlib

from ..base.errors import SettingsError
from ..core.vgg import STYLE_LAYERS
from ..course import figures
from ..imaging.catalog import catalog
from ..imaging.files import check_output
from ..imaging.images import image_format
from ..synthesis.settings import BEYOND, RUN, STYLIZE, TEXTURE, Settings
from ..synthesis.stylize import run
from ..synthesis.texture import synthesize_texture
from .common import (
    EXIT_INTERRUPTED,
    ProgressPrinter,
    _add_animation_options,
    _animation,
    _layers,
    _write_animation,
    add_beyond_options,
    add_options,
    add_run_options,
    finish,
    option_values,
    run_arguments,
)


def _stylize_parser(sub) -> None:
    p = sub.add_parser(
        "stylize",
        help="render a photo in the style of a painting",
        description="Render CONTENT in the style of STYLE (Gatys et al. 2016), from faint noise.",
    )
    p.add_argument("content", help="content image: a path, URL or catalogue name (see `examples`)")
    p.add_argument("style", nargs="+", help="style image(s): a path, URL or catalogue name each")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="output image (.png or .jpg); a .json of the settings goes beside it",
    )
    p.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    add_options(p, STYLIZE)
    _add_animation_options(p)
    add_run_options(p)
    add_beyond_options(p)
    p.set_defaults(func=cmd_stylize)


def _texture_parser(sub) -> None:
    p = sub.add_parser(
        "texture",
        help="synthesise a texture from an image (Gatys et al. 2015)",
        description="Grow a new texture with the Gram statistics of STYLE, from faint noise.",
    )
    p.add_argument("style", help="source texture: a path, URL or catalogue name")
    p.add_argument("-o", "--output", required=True, help="output image (.png or .jpg)")
    p.add_argument(
        "--layers",
        type=_layers,
        default=None,
        help="comma-separated (default: conv1_1,conv2_1,conv3_1,conv4_1,conv5_1)",
    )
    p.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    add_options(p, TEXTURE)
    _add_animation_options(p)
    add_run_options(p)
    p.set_defaults(func=cmd_texture)


def cmd_texture(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if output.exists() and not args.force:
        raise SettingsError(f"{output} exists: choose another name or add --force to overwrite it")
    animation = _animation(args, args.steps, ProgressPrinter(args.steps))
    result = synthesize_texture(
        args.style,
        layers=args.layers or STYLE_LAYERS,
        **option_values(args, TEXTURE),
        **run_arguments(args),
        callback=animation or ProgressPrinter(args.steps),
        progress=False,
    )
    status = finish(result, output, overwrite=True)
    _write_animation(animation, args.animation, result)
    return status


def cmd_stylize(args: argparse.Namespace) -> int:
    # Everything that could stop the output from being written is checked before the run.
    output = Path(args.output)
    image_format(output)
    for path in (output, output.with_suffix(".json")):
        check_output(path, overwrite=args.force)
    values = option_values(args, RUN + STYLIZE + BEYOND)
    settings = Settings.of(**values, save_prefix=str(output.with_suffix("")), progress=False)
    printer = ProgressPrinter(settings.total_steps)
    animation = _animation(args, settings.total_steps, printer)
    settings = replace(settings, callback=animation or printer)
    style = args.style if len(args.style) > 1 else args.style[0]
    result = run(args.content, style, settings)
    status = finish(result, output, overwrite=args.force)
    _write_animation(animation, args.animation, result)
    return status


FIGURE_CHOICES = ("1", "2", "3", "init", "all")


def _figures_parser(sub) -> None:
    p = sub.add_parser(
        "figures",
        help="render the paper's figures (PNG + JSON of settings), headless",
        description=(
            "Render Gatys et al.'s figures with the paper's settings (Caffe VGG19, average pooling, "
            "L-BFGS from faint noise): 1 = content and style reconstructions, 2 = Tübingen after five "
            "paintings, 3 = layer sets x alpha/beta, init = CVPR Fig. 6. Each PNG gets a JSON beside it "
            "with the settings, seeds, losses, seconds and versions."
        ),
    )
    p.add_argument(
        "--figure", choices=FIGURE_CHOICES, default=None, help="which figure (default: all of them)"
    )
    p.add_argument(
        "--gallery",
        action="store_true",
        help="write the README gallery instead: Fig. 2's renderings B-F alone and Fig. 3's grid",
    )
    p.add_argument(
        "-o",
        "--output",
        default=None,
        help="folder (default: images/figures, or images/gallery with --gallery)",
    )
    add_run_options(
        p,
        steps=None,
        size_help="per figure, 160-256 px on a laptop CPU; try 512 on a GPU",
        steps_help="per figure, 200-300; try 1000 on a GPU",
    )
    p.set_defaults(func=cmd_figures, precision=None)  # None: auto, or fp32 under NST_QUICK=1


def cmd_figures(args: argparse.Namespace) -> int:
    matplotlib.use("Agg")  # headless: files only, never a window
    if args.gallery and args.figure is not None:
        raise SettingsError("--gallery writes its own set of pictures: leave out --figure")
    run = run_arguments(args)
    folder = Path(args.output or ("images/gallery" if args.gallery else "images/figures"))
    names = list(figures.FIGURES) if args.figure in (None, "all") else [args.figure]
    current = "gallery" if args.gallery else names[0]
    start = time.perf_counter()
    try:
        if args.gallery:
            paths = figures.render_gallery(folder, progress=figures.print_progress, **run)
            print(
                f"wrote {len(paths)} pictures (and their JSON) into {folder} "
                f"in {time.perf_counter() - start:.0f} s"
            )
            return 0
        for current in names:
            sizes = figures.default_run(current) | {
                k: run[k] for k in ("size", "steps") if run[k] is not None
            }
            print(f"figure {current}: {sizes['size']} px, {sizes['steps']} steps per panel", flush=True)
            t0 = time.perf_counter()
            (path,) = figures.render([current], folder, progress=figures.print_progress, **run)
            print(
                f"wrote {path} and {path.with_suffix('.json').name} in {time.perf_counter() - t0:.0f} s",
                flush=True,
            )
    except KeyboardInterrupt:
        print(f"interrupted during figure {current}: it was not written", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def cmd_examples(args: argparse.Namespace) -> int:
    for entry in catalog().values():
        print(f"{entry.name:18} {entry.role:8} {entry.credit}")
    return 0
