"""`govlake --help` and every command's --help explain themselves.

The command tree is walked from the CLI itself, so a command added without a summary, or
an option added without help text, fails here — as does a command the README's command
table does not mention.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from conductor.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
WIDE = {"COLUMNS": "240", "NO_COLOR": "1", "TERM": "dumb"}


def _is_group(command) -> bool:
    return hasattr(command, "commands")  # typer carries its own click: duck-type the group


def _commands(group, prefix: tuple[str, ...] = ()) -> list:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        found.append((path, command))
        if _is_group(command):
            found += _commands(command, path)
    return found


ROOT_COMMAND = typer.main.get_command(app)
COMMANDS = _commands(ROOT_COMMAND)
IDS = [" ".join(path) for path, _ in COMMANDS]


def _help(path: tuple[str, ...]) -> str:
    result = runner.invoke(app, [*path, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    return re.sub(r"\s+", " ", re.sub(r"[│╭╮╰╯─]", " ", result.output))


def _summary(command) -> str:
    return (command.short_help or (command.help or "").strip().split("\n\n")[0]).strip()


def test_the_cli_has_the_commands_of_the_pipeline():
    top = set(ROOT_COMMAND.commands)
    assert {"generate", "ingest", "run", "status", "demo", "airflow", "registry", "quality", "dispute"} <= top


def test_top_level_help_lists_every_command_with_its_summary():
    text = _help(())
    for name, command in ROOT_COMMAND.commands.items():
        assert name in text
        assert _summary(command)[:30] in text, f"summary of {name} missing from govlake --help"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_each_command_has_its_own_summary(path, command):
    summary = _summary(command)
    assert len(summary.split()) >= 4, f"govlake {' '.join(path)} has no summary of its own"
    parent = ROOT_COMMAND if len(path) == 1 else dict(COMMANDS)[path[:-1]]
    assert summary != _summary(parent), f"govlake {' '.join(path)} repeats its group's summary"
    assert summary[:30] in _help(path)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_each_option_and_argument_is_documented_on_its_help_page(path, command):
    text = _help(path)
    for param in command.params:
        if param.name == "help":
            continue
        if param.param_type_name == "option":
            assert (param.help or "").strip(), f"govlake {' '.join(path)} {param.opts[0]} has no help text"
            assert param.opts[0] in text, f"{param.opts[0]} missing from govlake {' '.join(path)} --help"
            assert param.help.strip()[:25] in text
        else:  # an argument: typer prints its help beside its metavar
            assert (getattr(param, "help", None) or "").strip(), f"govlake {' '.join(path)} {param.name} undocumented"


LEAVES = [path for path, command in COMMANDS if not _is_group(command)]


@pytest.mark.parametrize("path", LEAVES, ids=[" ".join(p) for p in LEAVES])
def test_the_readme_names_every_command(path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"govlake {' '.join(path)}" in readme, f"README's command table lacks `govlake {' '.join(path)}`"


def test_registry_show_unknown_source_names_the_known_ones():
    result = runner.invoke(app, ["registry", "show", "gaj.nothing"], env=WIDE)
    assert result.exit_code == 2
    assert "gaj.household_register" in result.output


def test_registry_check_passes_on_the_packaged_registry():
    result = runner.invoke(app, ["registry", "check"])
    assert result.exit_code == 0
    assert "16 sources" in result.output
