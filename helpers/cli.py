"""The command line: ``python -m helpers stylize CONTENT STYLE -o OUT.png``, ``figures``, ``examples``.

Every failure the package foresees ends in one line on stderr and a non-zero exit status, never
a traceback (set ``NST_DEBUG=1`` to see one). Ctrl-C during a run writes the best image so far
and exits with 130, the shell's code for an interrupt.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from .base.errors import SettingsError, StyleTransferError

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option ends in one ``error: ...`` line (no usage block) and status 2."""

    def error(self, message: str):
        print(f"error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _layers(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def add_run_options(
    parser: argparse.ArgumentParser,
    *,
    steps: int | None = 300,
    size_help: str = "256 on a CPU, 512 on a GPU",
    steps_help: str = "300",
) -> None:
    """Options shared by every command that optimises an image."""
    parser.add_argument("--size", type=int, default=None, help=f"longer side in px (default: {size_help})")
    parser.add_argument("--steps", type=int, default=steps, help=f"loss evaluations (default: {steps_help})")
    parser.add_argument(
        "--weights",
        default="caffe",
        choices=["caffe", "torchvision", "none"],
        help="VGG19 weights: caffe (the paper's, offline; default), torchvision, none (random)",
    )
    parser.add_argument("--pooling", default="avg", choices=["avg", "max"], help="default: avg (the paper's)")
    parser.add_argument("--optimizer", default="lbfgs", choices=["lbfgs", "adam"], help="default: lbfgs")
    parser.add_argument(
        "--lr", type=float, default=None, help="step size (default: 1 for L-BFGS, 0.02 for Adam)"
    )
    parser.add_argument(
        "--precision",
        default="auto",
        choices=["auto", "fp32", "bf16"],
        help="network arithmetic; auto = bf16 where the hardware has it natively",
    )
    parser.add_argument("--seed", type=int, default=0, help="noise seed (default: 0)")
    parser.add_argument(
        "--device", default=None, help="cpu, cuda, cuda:N or mps (default: the fastest available)"
    )


def run_arguments(args: argparse.Namespace) -> dict:
    """The keyword arguments that the options of :func:`add_run_options` stand for."""
    return {
        "size": args.size,
        "steps": args.steps,
        "optimizer": args.optimizer,
        "lr": args.lr,
        "weights": None if args.weights == "none" else args.weights,
        "pooling": args.pooling,
        "precision": args.precision,
        "device": args.device,
        "seed": args.seed,
    }


def _stylize_parser(sub) -> None:
    p = sub.add_parser(
        "stylize",
        help="render a photo in the style of a painting",
        description="Render CONTENT in the style of STYLE (Gatys et al. 2016).",
    )
    p.add_argument("content", help="content image: a path, URL or catalogue name (see `examples`)")
    p.add_argument("style", nargs="+", help="style image(s): a path, URL or catalogue name each")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="output image (.png or .jpg); a .json of the settings goes beside it",
    )
    p.add_argument("--ratio", type=float, default=1e-3, help="alpha/beta, content vs style (default: 1e-3)")
    p.add_argument(
        "--init",
        default="noise",
        choices=["noise", "content", "style"],
        help="starting image (default: noise)",
    )
    p.add_argument("--content-layers", type=_layers, default=None, help="comma-separated (default: conv4_2)")
    p.add_argument(
        "--style-layers",
        type=_layers,
        default=None,
        help="comma-separated (default: conv1_1,conv2_1,conv3_1,conv4_1,conv5_1)",
    )
    p.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    add_run_options(p)
    add_beyond_options(p)
    p.set_defaults(func=cmd_stylize)


def _floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def _ints(text: str) -> list[int]:
    return [int(v) for v in _floats(text)]


def _shape(text: str) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HEIGHTxWIDTH such as 512x768, got {text!r}") from None
    return h, w


def add_beyond_options(p: argparse.ArgumentParser) -> None:
    """The follow-up papers' options (notebook 09): colour, several styles, scale, masks, TV, ..."""
    g = p.add_argument_group("beyond the paper")
    g.add_argument(
        "--preserve-color",
        choices=["luminance", "histogram"],
        default=None,
        help="keep the content's colours: luminance-only transfer, or match the style's colours first",
    )
    g.add_argument(
        "--style-weights", type=_floats, default=None, help="blend weights of several styles, e.g. 0.7,0.3"
    )
    g.add_argument(
        "--style-scale", type=float, default=1.0, help="style size relative to the output (2: bigger strokes)"
    )
    g.add_argument(
        "--scales",
        type=_ints,
        default=None,
        help="coarse to fine, e.g. 256,512,1024 (--steps then counts per scale; --size is ignored)",
    )
    g.add_argument(
        "--mask",
        action="append",
        default=None,
        help="region of the output for each style, in order (an image: white = that style); repeat per style",
    )
    g.add_argument("--tv-weight", type=float, default=0.0, help="total-variation smoothing (default: 0, off)")
    g.add_argument(
        "--normalize", action="store_true", help="the normalised VGG19 (mean activation one per filter)"
    )


def beyond_arguments(args: argparse.Namespace) -> dict:
    """stylize's keyword arguments from :func:`add_beyond_options`."""
    return {
        "preserve_color": args.preserve_color,
        "style_weights": args.style_weights,
        "style_scale": args.style_scale,
        "scales": args.scales,
        "masks": args.mask,
        "tv_weight": args.tv_weight,
        "normalize": args.normalize,
    }


def _texture_parser(sub) -> None:
    p = sub.add_parser(
        "texture",
        help="synthesise a texture from an image (Gatys et al. 2015)",
        description="Grow a new texture with the Gram statistics of STYLE, from white noise.",
    )
    p.add_argument("style", help="source texture: a path, URL or catalogue name")
    p.add_argument("-o", "--output", required=True, help="output image (.png or .jpg)")
    p.add_argument(
        "--layers",
        type=_layers,
        default=None,
        help="comma-separated (default: conv1_1,conv2_1,conv3_1,conv4_1,conv5_1)",
    )
    p.add_argument(
        "--shape", type=_shape, default=None, help="output HEIGHTxWIDTH (default: the source's shape)"
    )
    p.add_argument("--normalize", action="store_true", help="the normalised VGG19")
    p.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    add_run_options(p)
    p.set_defaults(func=cmd_texture)


def cmd_texture(args: argparse.Namespace) -> int:
    from .core.vgg import STYLE_LAYERS
    from .synthesis.texture import synthesize_texture

    output = Path(args.output)
    if output.exists() and not args.force:
        raise SettingsError(f"{output} exists: choose another name or add --force to overwrite it")
    result = synthesize_texture(
        args.style,
        layers=args.layers or STYLE_LAYERS,
        shape=args.shape,
        **run_arguments(args),
        normalize=args.normalize,
        callback=ProgressPrinter(args.steps),
        progress=False,
    )
    return finish(result, output, overwrite=True)


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
    from .core.vgg import CONTENT_LAYERS, STYLE_LAYERS
    from .imaging.files import check_output
    from .imaging.images import image_format
    from .synthesis.stylize import stylize

    # Everything that could stop the output from being written is checked before the run.
    output = Path(args.output)
    image_format(output)
    for path in (output, output.with_suffix(".json")):
        check_output(path, overwrite=args.force)
    beyond = beyond_arguments(args)
    result = stylize(
        args.content,
        args.style if len(args.style) > 1 else args.style[0],
        ratio=args.ratio,
        content_layers=args.content_layers or CONTENT_LAYERS,
        style_layers=args.style_layers or STYLE_LAYERS,
        init=args.init,
        **run_arguments(args),
        callback=ProgressPrinter(args.steps * len(args.scales or [0])),
        progress=False,
        **beyond,
    )
    return finish(result, output, overwrite=args.force)


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
            "L-BFGS from white noise): 1 = content and style reconstructions, 2 = Tübingen after five "
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
    import matplotlib

    matplotlib.use("Agg")  # headless: files only, never a window
    from .course import figures

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
    from .imaging.catalog import catalog

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


def main(argv: Sequence[str] | None = None) -> int:
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
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if not isinstance(exc, StyleTransferError):
            message = f"{type(exc).__name__}: {message}"
        print(f"error: {message}", file=sys.stderr)
        return EXIT_ERROR
