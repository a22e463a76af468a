"""Keep the notebooks clean, and execute them.

    python tools/notebooks.py clean [NOTEBOOK ...]     strip outputs, counts and metadata
    python tools/notebooks.py check [NOTEBOOK ...]     exit 1 if any notebook is not clean
    python tools/notebooks.py execute [--out DIR] [--mode quick|lab|full] [--quick] [--solutions]
                                      [NOTEBOOK ...]   run top to bottom, write executed copies

Without NOTEBOOK, clean and check take every course notebook and every worked solution, execute
the course notebooks (with ``--solutions`` the solutions too, into ``DIR/solutions``).
``make clean-notebooks``, ``make check-notebooks``, ``make notebooks`` and ``make site`` call these.

Notebooks are committed clean (no outputs, no execution counts, no metadata but the kernel), so
diffs stay readable and no image is ever committed inside an output cell.

nbstripout does the stripping and the checking (``--verify``). What the course adds to it:

* ``--keep-id``: our cell ids are already stable; without it nbstripout renumbers every cell
  ("0", "1", ...), a change to every notebook (measured: with it, nbstripout leaves each of our
  clean notebooks byte for byte as it is).
* The metadata rule is a list of what stays (notebook: ``kernelspec`` and ``language_info.name``;
  cell: ``tags``), while nbstripout strips a fixed list of known keys (``ExecuteTime``,
  ``collapsed``, ``widgets``...) and keeps anything else (measured: ``vscode``, ``editable``,
  ``slideshow``, ``jupyter.source_hidden`` and ``language_info.version`` survive its defaults).
  So each run passes it, as ``--extra-keys``, every key the notebooks hold outside that list.
* Cell attachments (pasted images) are not among its keys either: ``cell.attachments`` is added.
* The kernel: nbstripout can remove keys but never set one, so a notebook saved with another
  kernel (``make lab`` also installs one named ``nst-course``) gets the ``python3`` kernelspec here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
NOTEBOOK_METADATA_KEPT = {"kernelspec", "language_info"}
LANGUAGE_INFO_KEPT = {"name"}
CELL_METADATA_KEPT = {"tags"}
# `python -m nbstripout`: the interpreter running this file has it (the `test` extra).
NBSTRIPOUT = [sys.executable, "-m", "nbstripout", "--keep-id"]


def course_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def all_notebooks() -> list[Path]:
    """The course notebooks and their worked solutions."""
    return course_notebooks() + sorted((NOTEBOOKS / "solutions").glob("[0-9][0-9]_*.ipynb"))


def _read(path: Path) -> dict:
    # plain JSON: only metadata is looked at here (importing nbformat takes seconds)
    return json.loads(path.read_text(encoding="utf-8"))


def extra_keys(paths: list[Path]) -> list[str]:
    """nbstripout's ``--extra-keys`` for these notebooks: every metadata key outside the lists kept."""
    keys = {"cell.attachments"}
    for path in paths:
        nb = _read(path)
        keys |= {f"metadata.{k}" for k in set(nb["metadata"]) - NOTEBOOK_METADATA_KEPT}
        language = nb["metadata"].get("language_info", {})
        keys |= {f"metadata.language_info.{k}" for k in set(language) - LANGUAGE_INFO_KEPT}
        for cell in nb["cells"]:
            keys |= {f"cell.metadata.{k}" for k in set(cell.get("metadata", {})) - CELL_METADATA_KEPT}
    return sorted(keys)


def _nbstripout(paths: list[Path], *options: str) -> subprocess.CompletedProcess:
    assert paths, "nbstripout without files would read a notebook from stdin"
    command = [*NBSTRIPOUT, *options, "--extra-keys", " ".join(extra_keys(paths)), *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT)


def clean(paths: list[Path]) -> None:
    """Strip outputs, execution counts and metadata in place; set the python3 kernelspec."""
    for path in paths:
        if _read(path)["metadata"].get("kernelspec") != KERNELSPEC:
            import nbformat

            nb = nbformat.read(path, as_version=4)
            nb.metadata["kernelspec"] = KERNELSPEC
            nbformat.write(nb, path)
    run = _nbstripout(paths)
    if run.returncode:
        sys.exit(f"nbstripout failed: {run.stderr.strip()}")


def problems(paths: list[Path]) -> dict[Path, list[str]]:
    """What keeps each notebook from being clean (an empty list when it is clean)."""
    found: dict[Path, list[str]] = {path: [] for path in paths}
    run = _nbstripout(paths, "--verify")
    if run.returncode not in (0, 1):
        sys.exit(f"nbstripout failed: {run.stderr.strip()}")
    for line in run.stdout.splitlines():  # "Dry run: would have stripped notebooks/01_x.ipynb"
        if line.startswith("Dry run: would have stripped "):
            path = Path(line.removeprefix("Dry run: would have stripped "))
            found[path if path.is_absolute() else ROOT / path].append(
                "has outputs, execution counts, attachments or metadata that nbstripout would strip"
            )
    if run.returncode == 1 and not any(found.values()):  # a change it reports in another form
        sys.exit(f"nbstripout --verify failed: {run.stdout.strip()}")
    for path in paths:
        kernel = _read(path)["metadata"].get("kernelspec", {})
        if kernel != KERNELSPEC:
            found[path].append(f"its kernelspec is {kernel.get('name')!r}, not {KERNELSPEC['name']!r}")
    return found


def execute(path: Path, out_dir: Path, *, timeout: int = 3600) -> float:
    """Run ``path`` top to bottom in ``out_dir`` (the current NST_MODE) and write the executed copy
    there, also when a cell fails; seconds taken."""
    import nbformat
    from nbclient import NotebookClient

    from helpers.imaging import provenance

    nb = nbformat.read(path, as_version=4)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            extra_arguments=provenance.KERNEL_ARGS,  # which cells use which images: for `make site`
            resources={"metadata": {"path": str(out_dir)}},
        ).execute()
    finally:
        provenance.collect(nb)
        nbformat.write(nb, out_dir / path.name)
    return time.perf_counter() - start


def set_mode(requested: str | None) -> str:
    """Put the run's mode into NST_MODE, which the kernels inherit; ``helpers.mode`` reads it."""
    if requested:
        os.environ["NST_MODE"] = requested
    from helpers import StyleTransferError, mode

    try:
        current = mode()
    except StyleTransferError as error:
        sys.exit(f"error: {error}")
    os.environ["NST_MODE"] = current  # explicit for the kernels, whatever NST_QUICK says
    return current


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["clean", "check", "execute"])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "rendered")
    modes = ["quick", "lab", "full"]
    parser.add_argument("--mode", choices=modes, help="execute: sets NST_MODE (default: NST_MODE, else full)")
    parser.add_argument("--quick", action="store_const", const="quick", dest="mode", help="= --mode quick")
    parser.add_argument("--solutions", action="store_true", help="execute: solutions too, into OUT/solutions")
    args = parser.parse_intermixed_args(argv)
    paths = [p.resolve() for p in args.notebooks]
    if args.command == "clean":
        clean(paths or all_notebooks())
        return 0
    if args.command == "check":
        status = 0
        for path, found in problems(paths or all_notebooks()).items():
            for problem in found:
                print(f"{path.relative_to(ROOT)}: {problem}: run `python tools/notebooks.py clean`")
                status = 1
        return status
    current, status, total = set_mode(args.mode), 0, 0.0
    for path in paths or (all_notebooks() if args.solutions else course_notebooks()):
        start = time.perf_counter()
        out = args.out / "solutions" if path.parent.name == "solutions" else args.out
        try:
            execute(path, out)
            outcome = f"-> {out / path.name}"
        except Exception as error:  # one failing notebook must not hide the timings of the others
            last = (str(error).strip().splitlines() or [""])[-1][:200]
            outcome = f"FAILED ({type(error).__name__}: {last})"
            status = 1
        minutes = (time.perf_counter() - start) / 60
        total += minutes
        took = f"{minutes:.1f} min ({minutes * 60:.0f} s)"
        print(f"{path.name}: {took} in {current} mode {outcome}", flush=True)
    print(f"all: {total:.1f} min in {current} mode", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
