"""Where an export may be written: any directory the operator names, created when missing, but
never through a symlink nor onto a file."""

from __future__ import annotations

import pytest

from sharing.export.target import TargetRefused, check_target


def test_a_missing_directory_is_accepted_and_not_created_by_the_check(tmp_path):
    target = tmp_path / "out" / "mzj"
    assert check_target(target) == target
    assert not target.exists()


def test_a_relative_path_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert check_target("out") == tmp_path / "out"


def test_a_symlink_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(TargetRefused, match="symlink"):
        check_target(tmp_path / "link")


def test_a_path_under_a_symlinked_parent_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(TargetRefused, match="symlink"):
        check_target(tmp_path / "link" / "out")


def test_an_existing_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("not a directory")
    with pytest.raises(TargetRefused, match="not a directory"):
        check_target(tmp_path / "out")


def test_a_place_inside_the_lake_is_refused(tmp_path):
    lake = tmp_path / "lake"
    for inside in (lake, lake / "curated" / "population", lake / "landing" / "gaj.household_register"):
        with pytest.raises(TargetRefused, match="inside the lake"):
            check_target(inside, lake)


def test_the_lakes_exports_folder_and_places_outside_the_lake_are_accepted(tmp_path):
    lake = tmp_path / "lake"
    assert check_target(lake / "exports" / "mzj", lake) == lake / "exports" / "mzj"
    assert check_target(tmp_path / "lake-exports", lake) == tmp_path / "lake-exports"


def test_the_lake_is_recognised_through_a_symlinked_home(tmp_path):
    (tmp_path / "real-lake").mkdir()
    (tmp_path / "lake").symlink_to(tmp_path / "real-lake")
    with pytest.raises(TargetRefused, match="inside the lake"):
        check_target(tmp_path / "real-lake" / "curated", tmp_path / "lake")
