"""The access snapshot: token hashes and grants in force, read by the gateway as it changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from govlake.settings import Lake
from sharing.access import (
    AccessReader,
    AccessSnapshot,
    Grant,
    Token,
    access_file,
    hash_token,
    new_token,
    write_snapshot,
)

NOW = datetime.now(UTC)


def _snapshot(**token):
    secret = "glk_secret"
    return secret, AccessSnapshot(tokens=(Token("TKN-1", hash_token(secret), "rsj", "consumer", **token),))


def test_a_token_is_found_by_its_secret_and_the_file_holds_only_its_hash(tmp_path):
    lake = Lake(tmp_path)
    secret, snapshot = _snapshot()
    write_snapshot(lake, snapshot)
    assert AccessReader(lake).current().token(secret).holder == "rsj"
    assert secret not in access_file(lake).read_text(encoding="utf-8")


def test_an_expired_or_revoked_token_is_not_in_force():
    past = (NOW - timedelta(seconds=1)).isoformat()
    for lapse in ({"expires_at": past}, {"revoked_at": past}):
        secret, snapshot = _snapshot(**lapse)
        assert snapshot.token(secret) is None


def test_a_new_snapshot_is_seen_by_a_running_reader_at_once(tmp_path):
    lake = Lake(tmp_path)
    secret, snapshot = _snapshot()
    write_snapshot(lake, snapshot)
    reader = AccessReader(lake)
    assert reader.current().token(secret)
    write_snapshot(lake, AccessSnapshot())
    assert reader.current().token(secret) is None


def test_no_snapshot_means_nobody_may_read(tmp_path):
    assert AccessReader(Lake(tmp_path)).current().token("glk_anything") is None


def test_grants_round_trip_through_the_file(tmp_path):
    lake = Lake(tmp_path)
    grant = Grant("GRT-1", "rsj", "101001/000001", ("a", "b"), ("a",), "核验", "法", None, None)
    write_snapshot(lake, AccessSnapshot(grants=(grant,)))
    assert json.loads(access_file(lake).read_text(encoding="utf-8"))["grants"][0]["items"] == ["a", "b"]
    assert AccessReader(lake).current().grants_for("rsj", "101001/000001") == [grant]


def test_tokens_are_long_random_and_prefixed():
    one, two = new_token(), new_token()
    assert one != two and one.startswith("glk_") and len(one) > 40
