"""The command line: ``python -m helpers stylize CONTENT STYLE -o OUT.png``.

Every failure the package foresees ends in one line on stderr and a non-zero exit status, never
a traceback (set ``NST_DEBUG=1`` to see one). Ctrl-C during a run writes the best image so far
and exits with 130, the shell's code for an interrupt.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import SettingsError, StyleTransferError

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


def _layers(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that optimises an image."""
    parser.add_argument(
        "--size", type=int, default=None, help="longer side in px (default: 256 on a CPU, 512 on a GPU)"
    )
    parser.add_argument("--steps", type=int, default=300, help="loss evaluations (default: 300)")
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
    from .texture import synthesize_texture
    from .vgg import STYLE_LAYERS

    output = Path(args.output)
    if output.exists() and not args.force:
        raise SettingsError(f"{output} exists: choose another name or add --force to overwrite it")
    result = synthesize_texture(
        args.style,
        layers=args.layers or STYLE_LAYERS,
        size=args.size,
        shape=args.shape,
        steps=args.steps,
        optimizer=args.optimizer,
        lr=args.lr,
        weights=None if args.weights == "none" else args.weights,
        pooling=args.pooling,
        precision=args.precision,
        device=args.device,
        seed=args.seed,
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
    from .stylize import stylize
    from .vgg import CONTENT_LAYERS, STYLE_LAYERS

    output = Path(args.output)
    if output.exists() and not args.force:
        raise SettingsError(f"{output} exists: choose another name or add --force to overwrite it")
    beyond = beyond_arguments(args)
    result = stylize(
        args.content,
        args.style if len(args.style) > 1 else args.style[0],
        size=args.size,
        steps=args.steps,
        ratio=args.ratio,
        content_layers=args.content_layers or CONTENT_LAYERS,
        style_layers=args.style_layers or STYLE_LAYERS,
        init=args.init,
        optimizer=args.optimizer,
        lr=args.lr,
        weights=None if args.weights == "none" else args.weights,
        pooling=args.pooling,
        precision=args.precision,
        device=args.device,
        seed=args.seed,
        callback=ProgressPrinter(args.steps * len(args.scales or [0])),
        progress=False,
        **beyond,
    )
    return finish(result, output, overwrite=True)


def finish(result, output: Path, *, overwrite: bool) -> int:
    """Save a result, print how it ended, and return the exit status (130 if interrupted)."""
    result.save(output, overwrite=overwrite)
    h, w = result.image.shape[-2:]
    print(
        f"wrote {output} ({w}x{h}) and {output.with_suffix('.json').name} in {result.seconds:.1f} s: "
        f"{format_losses(result.final)} (best of step {result.best_step})"
    )
    if result.stopped:
        print(f"note: {result.message}", file=sys.stderr)
    if result.stopped == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT_ERROR if result.stopped == "diverged" else 0


def cmd_examples(args: argparse.Namespace) -> int:
    from .catalog import catalog

    for entry in catalog().values():
        print(f"{entry.name:18} {entry.role:8} {entry.credit}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers", description="Neural style transfer (Gatys et al.)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _stylize_parser(sub)
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
