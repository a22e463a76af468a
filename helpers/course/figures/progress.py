"""Progress on the command line: ``python -m helpers figures`` prints one line per finished panel."""

from __future__ import annotations

import sys

from ...core.result import Result


def print_progress(desc: str, key: str, index: int, total: int, result: Result, out=sys.stdout) -> None:
    """A ``progress`` for the command line: one line per finished panel."""
    final = result.final
    print(
        f"  {desc} {index}/{total}: {key} in {result.seconds:.1f} s, total loss {final.get('total', 0):.4g}",
        file=out,
        flush=True,
    )
