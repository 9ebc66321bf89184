"""一人一档 and 一企一档 profiles under real dbt, on one generated city (1,000 persons, seed 7).

One module-scoped lake: generated, ingested, and `+theme_profile__person
+theme_profile__enterprise` built once. Expected values are recomputed in Python from the
staging and base tables the profiles read, not taken from the SQL under test.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import duckdb
import pytest

from govlake.settings import Lake
from transform.dbt_runner import run_dbt

pytestmark = pytest.mark.slow


@dataclass
class Built:
    lake: Lake
    con: duckdb.DuckDBPyConnection

    def q(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Built:
    from ingest import ingest_landing
    from synth import generate_city

    root = tmp_path_factory.mktemp("profiles")
    landing, lake = root / "landing", Lake(root / "lake")
    generate_city(landing, persons=1000, seed=7)
    ingest_landing(landing, lake)
    with pytest.MonkeyPatch.context() as mp:
        # only tests whose every parent is selected: other themes' tests stay out
        mp.setenv("DBT_INDIRECT_SELECTION", "cautious")
        result = run_dbt(lake, "build", select=["+theme_profile__person", "+theme_profile__enterprise"], quiet=True)
    assert result.success, result.as_dict()
    con = duckdb.connect(str(lake.warehouse), read_only=True)
    yield Built(lake, con)
    con.close()


def _newest_snapshot(city: Built, model: str, key: list[str], columns: list[str]) -> list[tuple]:
    """The newest batch of a full-snapshot staging model, a key delivered twice counted once (its last row)."""
    rows = city.q(f"""
        select {", ".join(key + columns)}, _file, _row_no from staging.{model}
        where _batch = (select max(_batch) from staging.{model})""")
    last: dict = {}
    for row in rows:
        k = row[: len(key)]
        if k not in last or row[-2:] > last[k][-2:]:
            last[k] = row
    return [row[:-2] for row in last.values()]


def test_person_profile_has_one_row_per_golden_person(city):
    golden = city.q("select person_id from base.base_population__person")
    profile = city.q("select person_id from theme.theme_profile__person")
    assert golden and len(profile) == len(golden) and set(profile) == set(golden)


def test_enterprise_profile_has_one_row_per_golden_enterprise(city):
    golden = city.q("select enterprise_id from base.base_legal_entity__enterprise")
    profile = city.q("select enterprise_id from theme.theme_profile__enterprise")
    assert golden and len(profile) == len(golden) and set(profile) == set(golden)


def test_person_insurance_covers_are_those_of_the_newest_snapshot(city):
    covers = defaultdict(list)
    for id_no, insurance_type, status in _newest_snapshot(
        city, "stg_rsj__social_insurance", ["id_no", "insurance_type"], ["status"]
    ):
        covers[id_no].append((insurance_type, status))
    profile = city.q(
        "select person_id, insurance_cover_count, insurance_paying_count, insurance_types "
        "from theme.theme_profile__person"
    )
    assert any(count for _, count, _, _ in profile)
    for person, count, paying, types in profile:
        mine = sorted(covers.get(person, []))
        assert (count, paying, types) == (
            len(mine),
            sum(s == "1" for _, s in mine),
            ",".join(t for t, _ in mine) or None,
        ), person


def test_insured_employees_are_distinct_paying_persons_of_the_newest_snapshot(city):
    employees = defaultdict(set)
    for id_no, _, employer, status in _newest_snapshot(
        city, "stg_rsj__social_insurance", ["id_no", "insurance_type"], ["employer_uscc", "status"]
    ):
        if status == "1" and employer is not None:
            employees[employer].add(id_no)
    profile = dict(city.q("select enterprise_id, insured_employee_count from theme.theme_profile__enterprise"))
    assert any(profile.values())
    assert profile == {e: len(employees.get(e, ())) for e in profile}


def test_person_profile_counts_every_resolved_licence_decision_and_parcel_once(city):
    totals = city.q("""select sum(licence_count), sum(credit_permit_count + credit_penalty_count), sum(parcel_count)
                       from theme.theme_profile__person""")[0]
    resolved = (
        city.q("select count(*) from base.base_e_licence__licence where holder_person_id is not null")[0][0],
        city.q("select count(*) from base.base_public_credit__decision where subject_person_id is not null")[0][0],
        city.q(
            "select count(*) from base.base_spatial__land_parcel "
            "where in_latest_snapshot and owner_person_id is not null"
        )[0][0],
    )
    assert all(resolved) and totals == resolved


def test_enterprise_profile_counts_every_resolved_licence_decision_and_parcel_once(city):
    totals = city.q("""select sum(licence_count), sum(credit_decision_count), sum(parcel_count)
                       from theme.theme_profile__enterprise""")[0]
    resolved = (
        city.q("select count(*) from base.base_e_licence__licence where holder_uscc is not null")[0][0],
        city.q("select count(*) from base.base_public_credit__decision where subject_uscc is not null")[0][0],
        city.q(
            "select count(*) from base.base_spatial__land_parcel where in_latest_snapshot and owner_uscc is not null"
        )[0][0],
    )
    assert all(resolved) and totals == resolved


def test_hazard_risk_level_is_that_of_the_newest_snapshot(city):
    newest = {
        uscc: level for uscc, level in _newest_snapshot(city, "stg_yjj__hazard_enterprise", ["uscc"], ["risk_level"])
    }
    profile = city.q(
        "select enterprise_id, is_hazard_supervised, hazard_risk_level from theme.theme_profile__enterprise"
    )
    assert any(supervised for _, supervised, _ in profile)
    for enterprise, supervised, level in profile:
        assert (supervised, level) == (enterprise in newest, newest.get(enterprise)), enterprise
