"""The command line: ``python -m helpers stylize CONTENT STYLE -o OUT.png``, ``texture``, ``batch``,
``video``, ``figures``, ``examples``. ``common`` holds what the commands share; ``commands``,
``batch`` and ``video`` the commands.

Every failure the package foresees ends in one line on stderr and a non-zero exit status, never
a traceback (set ``NST_DEBUG=1`` to see one). Ctrl-C during a run writes the best image so far
and exits with 130, the shell's code for an interrupt.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from ..base.errors import StyleTransferError, one_line
from .batch import add_batch_parser
from .commands import _figures_parser, _stylize_parser, _texture_parser, cmd_examples
from .common import (  # noqa: F401 - the names tests and other code reach as helpers.cli.NAME
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    ProgressPrinter,
    _Parser,
    _sigint_deferred,
    add_options,
    finish,
    format_losses,
    option_values,
    run_arguments,
)
from .video import add_video_parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m helpers", description="Neural style transfer (Gatys et al.)")
    sub = parser.add_subparsers(dest="command", required=True)
    _stylize_parser(sub)
    _figures_parser(sub)
    _texture_parser(sub)
    add_batch_parser(sub)
    add_video_parser(sub)
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
