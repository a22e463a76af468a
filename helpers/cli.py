"""The command line: ``python -m helpers stylize CONTENT STYLE -o OUT.png``, ``figures``, ``examples``.

Every failure the package foresees ends in one line on stderr and a non-zero exit status, never
a traceback (set ``NST_DEBUG=1`` to see one). Ctrl-C during a run writes the best image so far
and exits with 130, the shell's code for an interrupt.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import matplotlib

from .base.errors import SettingsError, StyleTransferError, one_line
from .core.vgg import STYLE_LAYERS
from .course import figures
from .imaging.animation import Animation, check_animation_path
from .imaging.catalog import catalog
from .imaging.files import check_output
from .imaging.images import image_format
from .synthesis.settings import BEYOND, RUN, STYLIZE, TEXTURE, Cli, Option, Settings, options
from .synthesis.stylize import run
from .synthesis.texture import synthesize_texture

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option ends in one ``error: ...`` line (no usage block) and status 2."""

    def error(self, message: str):
        print(f"error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _layers(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _cli_options(commands: Sequence[str]) -> list[Option]:
    return [o for o in options() if isinstance(o.cli, Cli) and set(o.cli.commands) & set(commands)]


def add_options(parser, commands: Sequence[str], *, helps: dict[str, str] | None = None) -> None:
    """The flags of every option declared for ``commands`` (see :class:`~helpers.synthesis.settings.Cli`).

    Each flag's default is the option's own; ``helps`` replaces the ``(default: ...)`` text of
    some (a command whose defaults differ, such as ``figures``).
    """
    for opt in _cli_options(commands):
        cli: Cli = opt.cli  # type: ignore[assignment]
        default = "none" if opt.default is None and cli.choices and "none" in cli.choices else opt.default
        text = opt.help
        if helps and opt.name in helps:
            text = re.sub(r" \(default: [^)]*\)$", "", text) + f" (default: {helps[opt.name]})"
        elif default is not None and default is not False and "default" not in text:
            shown = ",".join(default) if isinstance(default, tuple) else default
            text += f" (default: {shown})"
        kwargs = {"dest": opt.name, "default": default, "help": text.replace("%", "%%")}
        if cli.action is not None:
            kwargs["action"] = cli.action
        else:
            kwargs.update(type=cli.parse, choices=cli.choices, metavar=cli.metavar)
        if cli.action == "append":
            kwargs["metavar"] = cli.metavar
        parser.add_argument(cli.flag, **{k: v for k, v in kwargs.items() if v is not None or k == "default"})


def option_values(args: argparse.Namespace, commands: Sequence[str]) -> dict:
    """stylize's keyword arguments from the flags of :func:`add_options`."""
    return {o.name: o.cli.to_option(getattr(args, o.name)) for o in _cli_options(commands)}


def add_run_options(
    parser: argparse.ArgumentParser,
    *,
    steps: int | None = 300,
    size_help: str | None = None,
    steps_help: str | None = None,
) -> None:
    """Options shared by every command that optimises an image (``steps=None``: the command's own)."""
    helps = {k: v for k, v in (("size", size_help), ("steps", steps_help)) if v is not None}
    add_options(parser, RUN, helps=helps)
    parser.set_defaults(steps=steps)


def run_arguments(args: argparse.Namespace) -> dict:
    """The keyword arguments that the options of :func:`add_run_options` stand for."""
    return option_values(args, RUN)


def add_beyond_options(p: argparse.ArgumentParser) -> None:
    """The follow-up papers' options (notebooks 09 and 10): colour, scale, masks, several styles, TV, ..."""
    add_options(p.add_argument_group("beyond the paper"), BEYOND)


def beyond_arguments(args: argparse.Namespace) -> dict:
    """stylize's keyword arguments from :func:`add_beyond_options`."""
    return option_values(args, BEYOND)


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


def _add_animation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--animation",
        metavar="OUT.gif",
        help="also write the picture as it forms: a .gif (or an .mp4 with imageio-ffmpeg installed)",
    )
    p.add_argument(
        "--animation-every",
        type=int,
        metavar="N",
        help="one animation frame every N steps (default: about 50 frames in all)",
    )


def _animation(args: argparse.Namespace, total_steps: int, callback) -> Animation | None:
    """The animation callback the flags ask for (checked before the run), chained to ``callback``."""
    if args.animation is None:
        return None
    check_animation_path(args.animation)
    check_output(args.animation, overwrite=args.force)
    every = args.animation_every or max(1, total_steps // 50)
    return Animation(every, callback, side=args.size)


def _write_animation(animation: Animation | None, path: str | None, result) -> None:
    if animation is not None:
        animation.save(path, result.image)
        print(f"wrote {path} ({len(animation.frames)} frames and the returned image)")


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


class ProgressPrinter:
    """A ``stylize`` callback that prints one line per 10% of the steps."""

    def __init__(self, steps: int, out=sys.stdout) -> None:
        self.steps, self.out = steps, out
        self.marks = {max(1, round(steps * k / 10)) for k in range(1, 11)}

    def __call__(self, step: int, image, losses: dict) -> None:
        if step in self.marks:
            print(
                f"step {step}/{self.steps} ({100 * step // self.steps}%): {format_losses(losses)}, "
                f"{losses['seconds']:.1f} s",
                file=self.out,
                flush=True,
            )


def format_losses(losses: dict) -> str:
    return ", ".join(f"{k} {losses[k]:.4g}" for k in ("content", "style", "total") if k in losses)


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


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[list]:
    """Hold Ctrl-C back while the result is written (a second Ctrl-C must not lose it)."""
    caught: list = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, previous)


def finish(result, output: Path, *, overwrite: bool) -> int:
    """Save a result, print how it ended, and return the exit status (130 if interrupted).

    If the output cannot be written (disk full, permissions, a file that appeared meanwhile),
    the image goes to a new temporary folder instead and the error says where: never lost.
    """
    with _sigint_deferred() as interrupted:
        try:
            result.save(output, overwrite=overwrite)
        except (OSError, StyleTransferError) as exc:
            rescue = Path(tempfile.mkdtemp(prefix="nst-")) / output.name
            result.save(rescue)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise StyleTransferError(
                f"could not write {output} ({reason}); the image and its settings were saved as "
                f"{rescue} instead"
            ) from None
    h, w = result.image.shape[-2:]
    print(
        f"wrote {output} ({w}x{h}) and {output.with_suffix('.json').name} in {result.seconds:.1f} s: "
        f"{format_losses(result.final)} (best of step {result.best_step})"
    )
    if result.stopped:
        print(f"note: {result.message}", file=sys.stderr)
    if result.stopped == "interrupted" or interrupted:
        return EXIT_INTERRUPTED
    return EXIT_ERROR if result.stopped == "diverged" else 0


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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m helpers", description="Neural style transfer (Gatys et al.)")
    sub = parser.add_subparsers(dest="command", required=True)
    _stylize_parser(sub)
    _figures_parser(sub)
    _texture_parser(sub)
    ex = sub.add_parser("examples", help="list the example images and their credits")
    ex.set_defaults(func=cmd_examples)
    return parser


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings as one ``warning: ...`` line on stderr, like the errors (no file, no source line)."""
    return f"warning: {message}\n"


def main(argv: Sequence[str] | None = None) -> int:
    warnings.formatwarning = _one_line_warning
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted before the optimisation started: nothing written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (StyleTransferError, OSError, ValueError, RuntimeError) as exc:
        if os.environ.get("NST_DEBUG"):
            raise
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
