"""The gateway's tokens (`govlake share token …`, sharing/tokens.py) on a real DuckDB warehouse:
a secret shown once and stored nowhere, a holder checked, a revocation in force at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from conductor.cli import app
from sharing.access import AccessReader, access_file, hash_token, read_snapshot
from tests.lake_fixtures import warehouse_rows

SECRET = re.compile(r"glk_[A-Za-z0-9_-]{40,}")


def _cli(lake, *args):
    return CliRunner().invoke(app, ["share", "token", *args, "--home", str(lake.home)], env={"COLUMNS": "200"})


def _create(lake, *args) -> tuple[str, str]:
    done = _cli(lake, "create", *args)
    assert done.exit_code == 0, done.output
    return re.search(r"TKN-\d{5}", done.output).group(), SECRET.search(done.output).group()


def test_a_token_is_printed_once_and_only_its_hash_is_stored(lake):
    token_id, secret = _create(lake, "--for", "mzj", "--role", "consumer", "--by", "大数据局-张")
    stored = lake.warehouse.read_bytes() + access_file(lake).read_bytes()
    assert secret.encode() not in stored
    assert hash_token(secret).encode() in lake.warehouse.read_bytes()  # the scan can find what is stored
    assert warehouse_rows(lake, "SELECT hash FROM sharing.tokens WHERE token_id = ?", [token_id]) == [
        {"hash": hash_token(secret)}
    ]
    assert secret not in "".join(p.read_text(encoding="utf-8") for p in lake.audit.glob("*.jsonl"))


def test_a_token_in_the_snapshot_names_its_holder_role_and_expiry(lake):
    token_id, secret = _create(lake, "--for", "分析员-陈", "--role", "analyst", "--days", "10")
    token = read_snapshot(lake).token(secret)
    assert (token.token_id, token.holder, token.role) == (token_id, "分析员-陈", "analyst")
    expires = datetime.fromisoformat(token.expires_at)
    assert timedelta(days=10) - timedelta(minutes=1) < expires - datetime.now(UTC) <= timedelta(days=10)
    assert read_snapshot(lake).token(secret, now=expires) is None


def test_a_revoked_token_stops_working_when_the_command_returns(lake):
    token_id, secret = _create(lake, "--for", "mzj", "--role", "consumer")
    gateway = AccessReader(lake)
    assert gateway.current().token(secret) is not None
    revoked = _cli(lake, "revoke", token_id, "--by", "大数据局-张")
    assert revoked.exit_code == 0, revoked.output
    assert gateway.current().token(secret) is None
    row = warehouse_rows(lake, "SELECT revoked_at, revoked_by FROM sharing.tokens WHERE token_id = ?", [token_id])[0]
    assert row["revoked_at"] and row["revoked_by"] == "大数据局-张"


def test_a_consumer_token_must_be_held_by_a_registry_department(lake):
    done = _cli(lake, "create", "--for", "某局", "--role", "consumer")
    assert done.exit_code == 1
    assert "'某局' is not one" in done.output and "mzj" in done.output
    assert not read_snapshot(lake).tokens


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "admin"], "unknown role 'admin'; roles: consumer, analyst, steward"),
    (["--role", "analyst", "--days", "0"], "--days must be between 1 and 366"),
])  # fmt: skip
def test_a_token_with_an_unknown_role_or_a_bad_term_is_refused(lake, args, message):
    done = _cli(lake, "create", "--for", "分析员-陈", *args)
    assert done.exit_code == 1 and message in done.output


def test_the_token_list_shows_neither_secrets_nor_hashes(lake):
    token_id, secret = _create(lake, "--for", "mzj", "--role", "consumer")
    listed = _cli(lake, "list")
    assert listed.exit_code == 0 and token_id in listed.output and "mzj" in listed.output
    assert secret not in listed.output
    assert not re.search(r"[0-9a-f]{16}", listed.output)


def test_token_changes_are_in_the_history_and_the_audit_log(lake):
    import json

    from govlake.audit import log_files

    token_id, _ = _create(lake, "--for", "mzj", "--role", "consumer", "--by", "大数据局-张")
    _cli(lake, "revoke", token_id, "--by", "大数据局-李")
    _cli(lake, "revoke", token_id, "--by", "大数据局-李")  # again: refused
    events = warehouse_rows(lake, "SELECT kind, subject, changed_by FROM sharing.events ORDER BY event_id")
    assert events == [
        {"kind": "token.created", "subject": token_id, "changed_by": "大数据局-张"},
        {"kind": "token.revoked", "subject": token_id, "changed_by": "大数据局-李"},
    ]
    records = [json.loads(line) for p in log_files(lake) for line in p.read_text(encoding="utf-8").splitlines()]
    assert [(r["action"], r["subject"], r["outcome"], r["actor"]) for r in records] == [
        ("share.token_create", token_id, "ok", "大数据局-张"),
        ("share.token_revoke", token_id, "ok", "大数据局-李"),
        ("share.token_revoke", token_id, "refused", "大数据局-李"),
    ]


def test_a_change_by_nobody_is_refused(lake):
    done = _cli(lake, "create", "--for", "mzj", "--role", "consumer", "--by", " ")
    assert done.exit_code == 1 and "say who does this (--by)" in done.output
    assert not read_snapshot(lake).tokens
