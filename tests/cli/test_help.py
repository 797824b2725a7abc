"""Every `--help` renders every word of every option's help text (rich once took `[monitor]` for markup)."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from destwatch.cli import app

ROOT = typer.main.get_command(app)


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command, with the words that call it (typer's commands are click's, vendored)."""
    found = [(path, group)]
    for name, command in sorted(getattr(group, "commands", {}).items()):
        found += _commands(command, (*path, name))
    return found


COMMANDS = _commands(ROOT)


def _words(text: str) -> str:
    # Wrapping may break a line at a space or after a hyphen: compare the characters, not the lines.
    return "".join(text.split())


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "destwatch" for p, _ in COMMANDS])
def test_help_shows_every_option_help_text_whole(path: tuple[str, ...], command: Any) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    shown = _words(result.output)
    texts = [param.help for param in command.params if param.param_type_name == "option" and param.help]
    if command.help:
        texts.append(command.help.split("\n\n")[0])
    assert texts, f"{' '.join(path)}: no help text at all"
    missing = [text for text in texts if _words(text) not in shown]
    assert not missing, f"not shown whole: {missing}\n{result.output}"


def test_a_help_text_with_brackets_keeps_them() -> None:
    result = CliRunner().invoke(app, ["monitor", "--help"], terminal_width=200)
    assert _words("(default: [monitor] history)") in _words(result.output)
