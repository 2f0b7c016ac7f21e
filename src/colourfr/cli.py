"""``colourfr`` command line: subcommands are discovered in :mod:`colourfr.commands`.

Each module there defines ``register(subparsers)``, adding its parser and setting
``func`` (``args -> int``). Errors derived from ColourfrError print one line, exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from colourfr import __version__
from colourfr.errors import ColourfrError


def build_parser() -> argparse.ArgumentParser:
    import colourfr.commands as commands_pkg

    parser = argparse.ArgumentParser(
        prog="colourfr", description="Does generative colourisation help face recognition?"
    )
    parser.add_argument("--version", action="version", version=f"colourfr {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands_pkg.__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except ColourfrError as exc:
        print(f"colourfr {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file the user named: one line naming it, not a traceback
        where = f": {exc.filename}" if exc.filename else ""
        print(f"colourfr {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
