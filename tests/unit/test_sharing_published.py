"""The published layer the gateway reads: the directory export and curated Parquet, nothing else."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govlake.settings import Lake
from sharing.published import NotPublished, directory_file, read_layer


def _lake(tmp_path, model="base_population__person"):
    lake = Lake(tmp_path / "lake")
    item = {"name": "person_id", "sensitivity": "敏感个人信息"}
    resource = {"code": "101001/000001", "name": model, "kind": "curated", "sharing": "有条件共享", "items": [item]}
    doc = {"version": 3, "resources": [resource]}
    directory_file(lake).parent.mkdir(parents=True)
    directory_file(lake).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return lake


def test_a_curated_resource_is_served_from_its_parquet_file(tmp_path):
    lake = _lake(tmp_path)
    (lake.curated / "population").mkdir(parents=True)
    pq.write_table(pa.table({"person_id": ["x"]}), lake.curated / "population" / "base_population__person.parquet")
    r = read_layer(lake).resource("101001/000001")
    assert r.parquet.name == "base_population__person.parquet" and r.relation == "population.base_population__person"


def test_a_symlinked_parquet_file_is_never_followed(tmp_path):
    lake = _lake(tmp_path)
    outside = tmp_path / "outside.parquet"
    pq.write_table(pa.table({"person_id": ["secret"]}), outside)
    (lake.curated / "population").mkdir(parents=True)
    (lake.curated / "population" / "base_population__person.parquet").symlink_to(outside)
    assert read_layer(lake).resource("101001/000001").parquet is None


def test_a_symlinked_library_folder_is_never_followed(tmp_path):
    lake = _lake(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    pq.write_table(pa.table({"person_id": ["secret"]}), elsewhere / "base_population__person.parquet")
    lake.curated.mkdir(parents=True)
    (lake.curated / "population").symlink_to(elsewhere)
    assert read_layer(lake).resource("101001/000001").parquet is None


def test_a_model_name_that_climbs_out_finds_no_file(tmp_path):
    lake = _lake(tmp_path, model="../../outside")
    assert read_layer(lake).resource("101001/000001").parquet is None


def test_no_published_directory_says_what_to_run(tmp_path):
    with pytest.raises(NotPublished, match="govlake run"):
        read_layer(Lake(tmp_path))
