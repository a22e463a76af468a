"""Keep the notebooks clean, and execute them.

    python tools/notebooks.py clean [NOTEBOOK ...]     strip outputs, counts and metadata
    python tools/notebooks.py check [NOTEBOOK ...]     exit 1 if any notebook is not clean
    python tools/notebooks.py execute --out DIR [--quick] [NOTEBOOK ...]
                                                       run top to bottom, write executed copies

Notebooks are committed clean (no outputs, no execution counts, minimal metadata), so diffs stay
readable and no image is ever committed inside an output cell.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
CELL_METADATA_KEPT = {"tags"}


def notebooks(paths: list[str] | None = None) -> list[Path]:
    return [Path(p) for p in paths] if paths else sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def problems(nb) -> list[str]:
    """What makes a notebook not clean (an empty list when it is clean)."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            if cell.get("outputs"):
                found.append(f"cell {i} has outputs")
            if cell.get("execution_count") is not None:
                found.append(f"cell {i} has an execution count")
        if set(cell.get("metadata", {})) - CELL_METADATA_KEPT:
            found.append(f"cell {i} has metadata {sorted(set(cell.metadata) - CELL_METADATA_KEPT)}")
        if cell.get("attachments"):
            found.append(f"cell {i} has attachments")
    extra = set(nb.metadata) - {"kernelspec", "language_info"}
    if extra:
        found.append(f"notebook metadata has {sorted(extra)}")
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        found.append("kernelspec is not python3")
    return found


def clean(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata = {k: v for k, v in cell.get("metadata", {}).items() if k in CELL_METADATA_KEPT}
        cell.pop("attachments", None)
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    return nb


def execute(path: Path, out_dir: Path, *, quick: bool, timeout: int = 3600) -> float:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    out_dir.mkdir(parents=True, exist_ok=True)
    if quick:
        os.environ["NST_QUICK"] = "1"
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(out_dir)}}
    ).execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, out_dir / path.name)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["clean", "check", "execute"])
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument("--out", type=Path, default=ROOT / "rendered")
    parser.add_argument("--quick", action="store_true", help="set NST_QUICK=1 (tiny images, few steps)")
    args = parser.parse_intermixed_args(argv)
    status = 0
    for path in notebooks(args.notebooks):
        nb = nbformat.read(path, as_version=4)
        if args.command == "clean":
            nbformat.write(clean(nb), path)
        elif args.command == "check":
            for problem in problems(nb):
                print(f"{path.name}: {problem}: run `python tools/notebooks.py clean`")
                status = 1
        else:
            seconds = execute(path, args.out, quick=args.quick)
            print(f"{path.name}: {seconds / 60:.1f} min -> {args.out / path.name}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
