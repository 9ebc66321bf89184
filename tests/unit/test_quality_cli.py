"""`govlake quality` explains itself and fails clearly without a warehouse."""

import pytest
from typer.testing import CliRunner

from conductor.cli import app

runner = CliRunner()


def test_quality_is_a_command_of_govlake():
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "quality" in result.output


@pytest.mark.parametrize(
    "command, words",
    [
        ("run", ("--source", "--batch", "--home", "quality.violations", "quality.rule_results", "data_docs")),
        ("report", ("--home", "--out", "index.html", "XLSX", "masked", "report.yaml")),
    ],
)
def test_quality_command_help_names_its_options_and_outputs(command, words):
    result = runner.invoke(app, ["quality", command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for word in words:
        assert word in result.output


@pytest.mark.parametrize("command", ["run", "report"])
def test_quality_command_without_a_warehouse_says_what_to_do(command, tmp_path):
    result = runner.invoke(app, ["quality", command, "--home", str(tmp_path / "lake")])
    assert result.exit_code == 1
    assert "govlake run" in result.output


def test_quality_run_with_an_unknown_source_names_the_known_ones(tmp_path):
    result = runner.invoke(app, ["quality", "run", "--home", str(tmp_path), "--source", "gaj.nothing"])
    assert result.exit_code == 1
    assert "gaj.household_register" in result.output
