"""Command line: ``storytelling build`` (the nightly job) and ``storytelling sample``."""

from __future__ import annotations

import argparse
import sys

from storytelling.data import DataError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="storytelling", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample", help="rewrite the embedded sample data (deterministic)")
    s.add_argument("--out", default=None, help="folder to write to (default: sample_data/)")
    args = parser.parse_args(argv)
    try:
        if args.command == "sample":
            from storytelling import sample

            for p in sample.write(args.out or sample.SAMPLE_DIR):
                print(f"wrote {p}")
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
