"""`govlake backup`, `restore` and `verify --backup` on a small hand-made lake (govlake/backup/).

The whole pipeline's lake, two points in time and a destroyed lake are in
test_backup_restore_city.py."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from conductor.cli import app
from govlake import audit
from govlake.backup import BackupError, restore, take, verify_backup
from govlake.backup.boundary import between_runs, dag_run_step, open_run, open_run_path, whole_run
from govlake.backup.prune import prune
from govlake.lock import lake_lock
from tests.backup_fixtures import checksums, small_lake, table_answers, tree_files, write_warehouse


@pytest.fixture
def filled(lake):
    return small_lake(lake)


def _cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def _object_of(backup, rel):
    """The object a path of the newest snapshot is stored in."""
    manifest = sorted((backup / "snapshots").glob("*.json"))[-1]
    sha = json.loads(manifest.read_text())["files"][rel]["sha256"]
    return backup / "objects" / sha[:2] / sha


def test_restore_rebuilds_the_lake_file_for_file(filled, tmp_path):
    take(filled, tmp_path / "backup")

    restore(tmp_path / "backup", tmp_path / "restored")

    assert checksums(tmp_path / "restored") == checksums(filled.home)


def test_second_backup_of_an_unchanged_lake_writes_only_its_manifest(filled, tmp_path):
    take(filled, tmp_path / "backup")
    before = tree_files(tmp_path / "backup")

    second = take(filled, tmp_path / "backup")

    added = set(tree_files(tmp_path / "backup")) - set(before)
    assert added == {f"snapshots/{second.manifest.name}"}
    assert (second.objects_written, second.bytes_written) == (0, 0)


def test_a_backup_copies_again_only_the_files_that_changed(filled, tmp_path):
    take(filled, tmp_path / "backup")
    (filled.home / "sharing" / "access.json").write_text('{"grants": ["G-1"]}')

    second = take(filled, tmp_path / "backup")

    assert (second.objects_written, second.bytes_written) == (1, len('{"grants": ["G-1"]}'))


def test_a_symlink_in_the_lake_is_skipped_with_its_reason_not_followed(filled, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret outside the lake")
    (filled.home / "reports").mkdir()
    (filled.home / "reports" / "link.txt").symlink_to(outside)
    (filled.home / "linked-dir").symlink_to(tmp_path, target_is_directory=True)

    snap = take(filled, tmp_path / "backup")

    assert snap.skipped == {
        "linked-dir": "symbolic link to a directory: not followed",
        "reports/link.txt": "symbolic link: not followed",
    }
    stored = [p.read_bytes() for p in (tmp_path / "backup" / "objects").rglob("*") if p.is_file()]
    assert b"secret outside the lake" not in stored


def test_a_backup_inside_the_lake_is_refused(filled):
    with pytest.raises(ValueError, match="inside the lake"):
        take(filled, filled.home / "backup")


def _audit_records(lake, action):
    lines = [line for f in audit.log_files(lake) for line in f.read_text(encoding="utf-8").splitlines()]
    return [r for r in map(json.loads, lines) if r["action"] == action]


def test_a_backup_is_in_the_lake_s_audit_log_with_where_it_went_and_how_it_ended(filled, tmp_path):
    assert _cli("backup", "--to", tmp_path / "backup", "--home", filled.home).exit_code == 0
    assert _cli("backup", "--to", filled.home / "inside", "--home", filled.home).exit_code == 2

    records = _audit_records(filled, "backup")
    assert [(r["subject"], r["outcome"]) for r in records] == [
        (f"snapshot of the lake to {tmp_path / 'backup'}", "started"),
        (f"snapshot of the lake to {tmp_path / 'backup'}", "ok"),
        (f"snapshot of the lake to {filled.home / 'inside'}", "started"),
        (f"snapshot of the lake to {filled.home / 'inside'}", "failed"),
    ]


def test_a_backup_waits_for_the_writer_holding_the_lake_lock_and_takes_its_result(filled, tmp_path):
    done = []
    with lake_lock(filled):
        backup = threading.Thread(target=lambda: done.append(take(filled, tmp_path / "backup")))
        backup.start()
        time.sleep(1.0)
        waited = not done
        write_warehouse(filled, "INSERT INTO tickets VALUES (99)")  # the writer's last write
    backup.join(30)

    assert waited, "the backup ran while a writer held the lake lock"
    restore(tmp_path / "backup", tmp_path / "restored")
    assert table_answers(filled) == table_answers(type(filled)(tmp_path / "restored"))
    assert table_answers(filled)["main.tickets"][0] == 4


def test_a_backup_waits_for_a_pipeline_run_under_way_to_finish(filled, tmp_path):
    done = []
    with whole_run(filled):
        backup = threading.Thread(target=lambda: done.append(take(filled, tmp_path / "backup")))
        backup.start()
        time.sleep(1.0)
        waited = not done
    backup.join(30)

    assert waited, "the backup ran inside a pipeline run"
    assert done


def test_a_backup_waits_for_an_airflow_run_between_two_of_its_tasks(filled, tmp_path):
    with dag_run_step(filled, "scheduled__2027-01-31T06:00:00+00:00", opens=True):
        pass  # dbt_build done; quality_run not yet started
    done = []
    backup = threading.Thread(target=lambda: done.append(take(filled, tmp_path / "backup")))
    backup.start()
    time.sleep(1.0)
    waited = not done
    with dag_run_step(filled, "scheduled__2027-01-31T06:00:00+00:00", closes=True):
        pass  # quality_report, the run's last task
    backup.join(30)

    assert waited, "the backup ran between two tasks of an Airflow run"
    assert done and open_run(filled) is None


def test_a_backup_gives_up_on_a_run_left_open_naming_it_and_the_marker(filled):
    with dag_run_step(filled, "manual__2027-01-30T23:00:00+00:00", opens=True):
        pass
    with (
        pytest.raises(BackupError, match=r"manual__2027-01-30T23:00:00\+00:00 .*has not finished") as raised,
        between_runs(filled, wait_seconds=0.3, poll_seconds=0.1),
    ):
        pytest.fail("the backup went ahead inside an open run")
    assert str(open_run_path(filled)) in str(raised.value)


def test_a_task_closes_only_its_own_run(filled):
    with dag_run_step(filled, "run-a", opens=True):
        pass
    with dag_run_step(filled, "run-b", closes=True):
        pass
    assert open_run(filled)["run"] == "run-a"


def test_pipeline_runs_do_not_wait_for_each_other(filled):
    entered = []

    def second_run():
        with whole_run(filled):
            entered.append(True)

    with whole_run(filled):
        other = threading.Thread(target=second_run, daemon=True)
        other.start()
        other.join(5)

        assert entered, "a second run waited for the first"


def test_restore_at_a_time_takes_the_newest_snapshot_taken_at_or_before_it(filled, tmp_path):
    first = take(filled, tmp_path / "backup")
    at_first = checksums(filled.home)
    write_warehouse(filled, "INSERT INTO tickets VALUES (7)")
    second = take(filled, tmp_path / "backup")
    between = first.taken_at + (second.taken_at - first.taken_at) / 2

    done = restore(tmp_path / "backup", tmp_path / "restored", at=between)

    assert done.manifest == first.manifest
    assert checksums(tmp_path / "restored") == at_first


def test_restore_before_the_first_snapshot_is_refused(filled, tmp_path):
    take(filled, tmp_path / "backup")

    with pytest.raises(BackupError, match="no snapshot"):
        restore(tmp_path / "backup", tmp_path / "restored", at=datetime(2020, 1, 1, tzinfo=UTC))


def test_restore_into_a_non_empty_directory_is_refused(filled, tmp_path):
    take(filled, tmp_path / "backup")
    (tmp_path / "restored").mkdir()
    (tmp_path / "restored" / "keep.txt").write_text("someone's file")

    ran = _cli("restore", "--from", tmp_path / "backup", "--to", tmp_path / "restored")

    assert ran.exit_code == 1
    assert "not empty" in ran.output
    assert os.listdir(tmp_path / "restored") == ["keep.txt"]


def test_restore_names_an_object_that_no_longer_matches_its_sha256(filled, tmp_path):
    take(filled, tmp_path / "backup")
    damaged = _object_of(tmp_path / "backup", "sharing/access.json")
    damaged.chmod(0o644)
    damaged.write_text('{"grants": ["forged"]}')

    with pytest.raises(BackupError, match=f"{damaged.name}.*sharing/access.json"):
        restore(tmp_path / "backup", tmp_path / "restored")


def test_restore_refuses_a_manifest_path_that_leaves_the_lake(filled, tmp_path):
    snap = take(filled, tmp_path / "backup")
    body = json.loads(snap.manifest.read_text())
    body["files"]["../escaped.txt"] = body["files"].pop("sharing/access.json")
    snap.manifest.write_text(json.dumps(body))

    with pytest.raises(BackupError, match="would leave the lake"):
        restore(tmp_path / "backup", tmp_path / "restored" / "lake")
    assert not (tmp_path / "restored" / "escaped.txt").exists()


def test_verify_backup_passes_an_intact_backup(filled, tmp_path):
    take(filled, tmp_path / "backup")
    take(filled, tmp_path / "backup")

    ran = _cli("verify", "--backup", tmp_path / "backup")

    assert ran.exit_code == 0, ran.output
    assert "2 snapshot(s)" in ran.output and "all match" in ran.output


def test_verify_backup_names_a_damaged_object_and_the_file_it_holds(filled, tmp_path):
    take(filled, tmp_path / "backup")
    (log,) = (f.relative_to(filled.home).as_posix() for f in audit.log_files(filled))
    damaged = _object_of(tmp_path / "backup", log)
    damaged.chmod(0o644)
    damaged.write_text('{"seq": 2}\n')

    ran = _cli("verify", "--backup", tmp_path / "backup")

    assert ran.exit_code == 1
    assert f"{damaged.name}: damaged" in ran.output and log in ran.output


def test_verify_backup_names_a_missing_object(filled, tmp_path):
    take(filled, tmp_path / "backup")
    missing = _object_of(tmp_path / "backup", "warehouse.duckdb")
    missing.unlink()

    result = verify_backup(tmp_path / "backup")

    assert [p for p in result.problems if missing.name in p and "missing" in p and "warehouse.duckdb" in p]


def test_an_empty_file_is_counted_as_the_object_it_adds(filled, tmp_path):
    (filled.home / "raw" / "_SUCCESS").write_bytes(b"")

    snap = take(filled, tmp_path / "backup")

    assert snap.objects_written == len(list((tmp_path / "backup" / "objects").rglob("*/*")))


def test_restore_refuses_a_time_it_cannot_read_and_restores_nothing(filled, tmp_path):
    take(filled, tmp_path / "backup")

    ran = _cli("restore", "--from", tmp_path / "backup", "--at", "the 3rd", "--to", tmp_path / "restored")

    assert ran.exit_code == 2
    assert "not an ISO 8601 time" in ran.output
    assert not (tmp_path / "restored").exists()


def _three_snapshots(lake, backup):
    """Three snapshots, the warehouse different in each: (snapshot, warehouse object) per point."""
    taken = []
    for n in (1, 2, 3):
        write_warehouse(lake, f"CREATE OR REPLACE TABLE tickets AS SELECT range AS id FROM range({n * 10})")
        snap = take(lake, backup)
        sha = json.loads(snap.manifest.read_text())["files"]["warehouse.duckdb"]["sha256"]
        taken.append((snap, sha))
    return taken


def test_keeping_the_newest_two_snapshots_deletes_the_oldest_and_the_objects_only_it_used(filled, tmp_path):
    backup = tmp_path / "backup"
    (first, first_warehouse), *rest = _three_snapshots(filled, backup)

    pruned = prune(backup, keep=2)

    assert pruned.removed == [first.manifest.name]
    assert not first.manifest.exists()
    assert not (backup / "objects" / first_warehouse[:2] / first_warehouse).exists()
    assert pruned.objects_removed >= 1 and pruned.bytes_freed > 0
    # what the kept snapshots use is all there: they verify and restore
    assert verify_backup(backup).problems == [] and verify_backup(backup).snapshots == 2
    restore(backup, tmp_path / "restored")
    assert table_answers(type(filled)(tmp_path / "restored"))["main.tickets"][0] == 30


def test_an_unreadable_kept_snapshot_stops_the_prune_before_anything_is_deleted(filled, tmp_path):
    backup = tmp_path / "backup"
    _three_snapshots(filled, backup)
    sorted((backup / "snapshots").glob("*.json"))[-1].write_text("{not json")
    before = tree_files(backup)

    with pytest.raises(BackupError, match="unreadable snapshot manifest"):
        prune(backup, keep=2)

    assert tree_files(backup) == before


def test_a_prune_waits_for_a_snapshot_being_taken_into_the_same_directory(filled, tmp_path):
    from govlake.backup import store

    backup = tmp_path / "backup"
    _three_snapshots(filled, backup)
    done = []
    with store.writing(backup):  # a snapshot under way
        pruning = threading.Thread(target=lambda: done.append(prune(backup, keep=1)))
        pruning.start()
        time.sleep(1.0)
        waited = not done
    pruning.join(30)

    assert waited, "the prune deleted objects while a snapshot was being taken"
    assert len(done[0].kept) == 1


def test_backup_keep_prunes_after_the_snapshot_and_says_what_it_removed(filled, tmp_path):
    backup = tmp_path / "backup"
    _three_snapshots(filled, backup)

    ran = _cli("backup", "--to", backup, "--keep", 1, "--home", filled.home)

    assert ran.exit_code == 0, ran.output
    assert "kept the newest 1 snapshot(s); removed 3 older one(s)" in ran.output
    assert len(list((backup / "snapshots").glob("*.json"))) == 1
    (record,) = [r for r in _audit_records(filled, "backup") if r["outcome"] == "ok"]
    assert record["details"]["kept"] == 1 and len(record["details"]["removed"]) == 3


def test_keeping_no_snapshot_is_refused(filled, tmp_path):
    take(filled, tmp_path / "backup")
    assert _cli("backup", "--to", tmp_path / "backup", "--keep", 0, "--home", filled.home).exit_code == 2
    with pytest.raises(ValueError, match="at least the newest"):
        prune(tmp_path / "backup", keep=0)
