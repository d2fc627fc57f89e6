"""What the scripts under benchmarks/ share, so a mistake there reads as it does with `kt`: one line
`SCRIPT: error: ...` on stderr and exit code 2, never a traceback, and before anything is trained or written.

    parser = script_parser(__doc__)
    parser.add_argument("--runs", type=at_least(1), default=11, help="...")
    parser.add_argument("--seeds", nargs="+", type=seed, default=[0, 1, 2], help="...")
    ...
    if __name__ == "__main__":
        script_main(main)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

from kerastoolkit.errors import KtError
from kerastoolkit.options import MAX_SEED

T = TypeVar("T")


def _script_name() -> str:
    return os.path.basename(sys.argv[0])


def script_main(main: Callable[[], None]) -> None:
    """Run a script's `main` (a benchmark's) as `kt` runs its commands: a KtError (a bad KEY=VALUE, an unknown
    recipe, a missing file) is one line on stderr and exit code 2, not a traceback."""
    try:
        main()
    except KtError as exc:
        print(f"{_script_name()}: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)


class ScriptParser(argparse.ArgumentParser):
    """argparse with its usage errors on one line, `SCRIPT: error: MESSAGE (see SCRIPT --help)`, exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


def script_parser(doc: str | None) -> ScriptParser:
    """A parser whose --help shows the script's whole docstring, line breaks kept."""
    return ScriptParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer no smaller than `minimum`."""

    def parse(text: str) -> int:
        value = _integer(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small: it must be at least {minimum}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def seed(text: str) -> int:
    """An argparse type: a random seed, 0 to 2**32 - 1."""
    value = _integer(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{value} is not a seed: seeds are 0 to {MAX_SEED}")
    return value


def comma_list(item: Callable[[str], T]) -> Callable[[str], list[T]]:
    """An argparse type: items separated by commas, each read by the argparse type `item` (`comma_list(seed)`
    reads `0,1,2`)."""

    def parse(text: str) -> list[T]:
        return [item(part) for part in text.split(",")]

    parse.__name__ = f"list of {item.__name__}"
    return parse


seed_list = comma_list(seed)  # seeds separated by commas, `0,1,2`


def key_value(text: str) -> str:
    """An argparse type: a KEY=VALUE hyperparameter override (the recipe's Config checks key and value later)."""
    key, sep, _ = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not of the form KEY=VALUE")
    return text


def add_set_option(parser: argparse.ArgumentParser, help: str) -> None:
    """`--set KEY=VALUE`, repeatable, into `args.set` (a list): hyperparameter overrides of the script's runs."""
    parser.add_argument("--set", action="append", type=key_value, default=[], metavar="KEY=VALUE", help=help)


def existing_file(text: str) -> Path:
    """An argparse type: a file that exists (not a folder)."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} is {'a folder' if path.is_dir() else 'missing'}, not a file")
    return path


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
