"""Docs that tests keep honest: every command and setting is in the README, every command has an example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsweave.cli import main
from newsweave.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_paths(group=main, prefix="newsweave"):
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            yield from command_paths(command, path)
        else:
            yield path


COMMANDS = list(command_paths())


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command):
    assert f"`{command}" in README, f"{command} is not documented in README.md"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(main, [*command.split()[1:], "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.name for s in SETTINGS])
def test_every_setting_is_in_the_readme_table(setting):
    default = f"`{re.escape(setting.default)}`" if setting.default else "—"  # no default: a dash
    row = re.search(rf"^\| {setting.name} \|.*`{setting.env}` \| {default} \|", README, re.M)
    assert row, f"setting {setting.name} ({setting.env}) is missing from README's settings table"


def test_the_readme_has_exactly_two_set_up_commands_and_ci_runs_the_test_one():
    set_up = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\d\. `([^`]+)`", set_up, re.M)
    assert commands == ["make run", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()
