"""`python -m codegen [--check] [--root DIR]`: write the generated files, or fail on drift."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from codegen.artefacts import render_all
from codegen.catalog import ROUTES
from codegen.emit_access import root_levels

ROOT = Path(__file__).resolve().parent.parent


def run(root: Path, *, check: bool) -> list[str]:
    """Write (or with check, compare) every artefact; returns the paths that differ."""
    drifted = []
    for relative, wanted in render_all().items():
        path = root / relative
        current = path.read_text() if path.exists() else None
        if current != wanted:
            drifted.append(relative)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(wanted)
    return drifted


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if any file would change")
    parser.add_argument("--root", type=Path, default=ROOT, help="where to write (repo root)")
    args = parser.parse_args(argv)
    drifted = run(args.root, check=args.check)
    for note in root_levels(ROUTES)[1]:  # a GraphQL field named by routes of several levels
        print(f"warning: {note}", file=sys.stderr)
    for relative in drifted:
        verb = "out of date (run `python -m codegen`)" if args.check else "written"
        print(f"{relative}: {verb}", file=sys.stderr if args.check else sys.stdout)
    return 1 if args.check and drifted else 0


if __name__ == "__main__":
    sys.exit(main())
