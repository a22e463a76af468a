"""What every command shares: flags derived from the declared options, progress lines, and
writing a result so that it is never lost (Ctrl-C held back while it is written)."""

from __future__ import annotations

import argparse
import contextlib
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..base.errors import StyleTransferError
from ..imaging.animation import Animation, check_animation_path
from ..imaging.files import check_output
from ..synthesis.settings import BEYOND, RUN, Cli, Option, options

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
