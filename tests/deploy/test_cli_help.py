"""Every `pulse` command and subcommand prints its --help (a `%` in a help text once crashed
`pulse goal add --help`): the operator's first contact with a command must not be a traceback."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from app.cli import build_parser


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


def test_every_command_prints_its_help() -> None:
    found = list(commands(build_parser()))
    names = {" ".join(path) for path, _ in found}
    assert {"goal add", "alert add", "user password", "site add", "export", "copy"} <= names
    for path, parser in found:
        text = parser.format_help()
        assert text.startswith("usage: pulse"), path
