"""`python -m codegen [--check] [--root DIR]`: write the generated files, or fail on drift."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from codegen.artefacts import render_all, render_types
from codegen.catalog import ROUTES
from codegen.emit_access import root_levels
from codegen.emit_strawberry import GENERATED

ROOT = Path(__file__).resolve().parent.parent


def run(root: Path, *, check: bool) -> list[str]:
    """Write (or with check, compare) every artefact; returns the paths that differ.

    The generated Strawberry types go first: the SDL comes from a schema importing them.
    A file under schema/generated/ that nothing generates any more is drift too (deleted)."""
    types = render_types()
    drifted = _sync(root, types, check=check)
    rest = {k: v for k, v in render_all(types).items() if k not in types}
    drifted += _sync(root, rest, check=check)
    for path in sorted((root / GENERATED).glob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative not in types and relative not in rest:
            drifted.append(relative)
            if not check:
                path.unlink()
    return drifted


def _sync(root: Path, files: dict[str, str], *, check: bool) -> list[str]:
    drifted = []
    for relative, wanted in files.items():
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
