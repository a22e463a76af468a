"""Many images at once: every content image against every style image, and a contact sheet.

:func:`expand_inputs` turns files, folders (their images, sorted by name), URLs and catalogue
names into one list; :func:`check_inputs` reads each once and sets aside those that cannot be
used, each with a one-line reason; :func:`run_batch` renders every pair into
``OUTDIR/<content-stem>__<style-stem>.png`` with its JSON. The network is built once: ``vgg19``
keeps it for every later run. A failing pair is reported and skipped; Ctrl-C keeps every finished
pair and the best image of the running one, then stops. :func:`contact_sheet` puts the pictures in
a grid, contents as rows and styles as columns.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from ..base.errors import SettingsError, StyleTransferError, one_line
from ..imaging.files import atomic_path
from ..imaging.images import IMAGE_SUFFIXES, load_image
from .stylize import stylize


def expand_inputs(sources: Sequence[str | os.PathLike]) -> list[str]:
    """Each source as given, except a folder, which stands for its image files sorted by name."""
    out: list[str] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
            if not found:
                raise SettingsError(f"{path} holds no images ({', '.join(IMAGE_SUFFIXES)}): check the folder")
            out += [str(p) for p in found]
        else:
            out.append(str(source))
    return out


def stem(source: str) -> str:
    """The name a source gives its outputs: a file's name without its suffix, or a catalogue name."""
    return Path(source.split("?")[0]).stem or "image"


def check_inputs(sources: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """The sources that can be read, and ``{source: one-line reason}`` for those that cannot."""
    usable, broken = [], {}
    for source in sources:
        try:
            load_image(source, 64)
        except (StyleTransferError, OSError, ValueError) as exc:
            broken[source] = one_line(exc)
        else:
            usable.append(source)
    return usable, broken


def output_path(outdir: Path, content: str, style: str) -> Path:
    return outdir / f"{stem(content)}__{stem(style)}.png"


def check_outputs(
    contents: Sequence[str], styles: Sequence[str], outdir: Path, *, resume: bool, overwrite: bool
) -> list[Path]:
    """Every pair's output path, in order; one-line errors for colliding names and for outputs
    that exist when neither ``resume`` nor ``overwrite`` allows them."""
    names = [output_path(outdir, c, s) for c in contents for s in styles]
    if len(set(names)) < len(names):
        raise SettingsError("two inputs share a file name (their stems): rename one, outputs would collide")
    if not resume and not overwrite and any(p.exists() for p in names):
        raise SettingsError(
            f"{outdir} already holds some of these pictures: add --resume to skip them, or --force"
        )
    return names


@dataclass
class BatchReport:
    """What a batch did: pictures written, pairs skipped (already there), failures with reasons."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False

    def summary(self) -> str:
        text = f"{len(self.written)} written, {len(self.skipped)} already there, {len(self.failed)} failed"
        return text + (" (interrupted: the rest was not run)" if self.interrupted else "")


# long: one loop over the pairs, with its resume, failure and interrupt cases side by side
def run_batch(
    contents: Sequence[str],
    styles: Sequence[str],
    outdir: str | os.PathLike,
    *,
    resume: bool = False,
    overwrite: bool = False,
    on_start: Callable[[int, int, str, str], object] | None = None,
    callback: Callable | None = None,
    **options,
) -> BatchReport:
    """Render every ``content x style`` pair into ``outdir`` (see the module docstring).

    ``on_start(index, total, content, style)`` is called before each pair; ``callback`` is passed
    to every ``stylize`` run; ``options`` are ``stylize``'s. With ``resume``, a pair whose PNG and
    JSON exist is skipped; without it (and without ``overwrite``) an existing output is an error
    before anything runs.
    """
    outdir = Path(outdir)
    names = check_outputs(contents, styles, outdir, resume=resume, overwrite=overwrite)
    outdir.mkdir(parents=True, exist_ok=True)
    pairs = [(c, s) for c in contents for s in styles]
    done = [p.is_file() and p.with_suffix(".json").is_file() for p in names]
    report = BatchReport()
    try:
        for index, ((content, style), path, finished) in enumerate(zip(pairs, names, done)):
            if resume and finished:
                report.skipped.append(path)
                continue
            if on_start is not None:
                on_start(index, len(pairs), content, style)
            try:
                result = stylize(content, style, callback=callback, **options)
            except (StyleTransferError, OSError, ValueError, RuntimeError) as exc:
                report.failed[f"{stem(content)} x {stem(style)}"] = one_line(exc)
                continue
            result.save(path, overwrite=True)  # an interrupted run's best image too
            report.written.append(path)
            if result.stopped == "interrupted":
                report.interrupted = True
                break
    except KeyboardInterrupt:  # between two runs (loading, saving): the finished pairs stay
        report.interrupted = True
    return report


def _label(text: str, width: int, height: int = 18) -> Image.Image:
    tile = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(tile).text((4, 3), text[: max(1, width // 7)], fill="black")
    return tile


def contact_sheet(
    contents: Sequence[str], styles: Sequence[str], outdir: str | os.PathLike, *, cell: int = 160
) -> Path:
    """``OUTDIR/contact_sheet.png``: contents as rows, styles as columns, each labelled; a pair
    without a picture (failed, or not yet run) is a grey cell."""
    outdir = Path(outdir)
    label_w = cell
    sheet = Image.new("RGB", (label_w + cell * len(styles), 18 + cell * len(contents)), "white")
    for j, style in enumerate(styles):
        sheet.paste(_label(stem(style), cell), (label_w + j * cell, 0))
    for i, content in enumerate(contents):
        sheet.paste(_label(stem(content), label_w), (0, 18 + i * cell + cell // 2 - 9))
        for j, style in enumerate(styles):
            path = output_path(outdir, content, style)
            tile = Image.new("RGB", (cell, cell), (200, 200, 200))
            if path.is_file():
                picture = ImageOps.contain(Image.open(path).convert("RGB"), (cell - 4, cell - 4))
                tile.paste(picture, ((cell - picture.width) // 2, (cell - picture.height) // 2))
            sheet.paste(tile, (label_w + j * cell, 18 + i * cell))
    target = outdir / "contact_sheet.png"
    with atomic_path(target) as tmp:
        sheet.save(tmp, format="PNG")
    return target
