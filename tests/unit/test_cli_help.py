"""`govlake --help` and every subcommand's --help explain themselves."""
import pytest
from typer.testing import CliRunner

from conductor.cli import app

runner = CliRunner()
COMMANDS = ["generate", "ingest", "run", "status", "demo", "airflow", "registry"]


def test_top_level_help_lists_every_command():
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


@pytest.mark.parametrize("command", COMMANDS + ["registry list", "registry show", "registry check"])
def test_each_command_has_a_help_page_with_a_description(command):
    result = runner.invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    body = result.output.split("Usage:", 1)[1]
    assert len(body.split()) > 12, f"{command} --help says too little:\n{result.output}"


def test_registry_show_unknown_source_names_the_known_ones():
    result = runner.invoke(app, ["registry", "show", "gaj.nothing"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "gaj.household_register" in result.output


def test_registry_check_passes_on_the_packaged_registry():
    result = runner.invoke(app, ["registry", "check"])
    assert result.exit_code == 0
    assert "16 sources" in result.output
