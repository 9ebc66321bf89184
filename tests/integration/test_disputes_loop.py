"""数据异议 on a real city under real dbt: routing, transitions and the 回流 loop.

One generated city (1,000 persons, seed 29) is ingested and built once for the module.
The loop: disputes are filed on persons' names, then 公安 delivers a corrected batch (the
newest gaj.household_register batch copied to the next day, one person's name changed,
GB18030 as the interface says, _READY written last), it is ingested and dbt builds, and
close_corrected closes what the batch corrected - and only that.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from govlake.settings import Lake
from quality import disputes as d
from quality.disputes import DisputeError
from transform.dbt_runner import run_dbt

pytestmark = pytest.mark.slow

HOUSEHOLD = "gaj.household_register"


def _build(landing: Path, lake: Lake, sources=None) -> None:
    from ingest import ingest_landing

    results = ingest_landing(landing, lake, sources=sources)
    assert not [r for r in results if r.status == "failed"]
    built = run_dbt(lake, "build", quiet=True)
    assert built.success or not [p for p in built.problems if p["status"] in ("error", "runtime error")], built


def _q(lake: Lake, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(lake.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from synth import generate_city

    root = tmp_path_factory.mktemp("disputes")
    landing, lake = root / "landing", Lake.from_env(root / "lake")
    generate_city(landing, persons=1000, seed=29)
    _build(landing, lake)
    return landing, lake


def _newest_batch(landing: Path) -> Path:
    return sorted(p for p in (landing / HOUSEHOLD).iterdir() if p.is_dir())[-1]


def _persons_in_newest_batch(city, n: int) -> list[tuple[str, str]]:
    """(person_id, name) of persons whose golden name comes from 公安 and whose line in the
    newest batch starts with the person_id as delivered (no defect on the key)."""
    landing, lake = city
    newest = _newest_batch(landing)
    text = next(newest.glob("*.csv")).read_bytes().decode("gb18030", "surrogateescape")
    starts = {line.split(",", 1)[0] for line in text.splitlines()[1:]}
    rows = _q(
        lake,
        "SELECT person_id, name FROM base.base_population__person WHERE name__source = ? ORDER BY person_id",
        [HOUSEHOLD],
    )
    picked = [(p, name) for p, name in rows if p in starts and len(name) >= 2]
    assert len(picked) >= n
    return picked[:n]


def _deliver_next_day(landing: Path, changes: dict[str, tuple[str, str]]) -> str:
    """Copy the newest household batch to the next day; changes: person_id -> (old name, new name)."""
    newest = _newest_batch(landing)
    day = (date.fromisoformat(newest.name) + timedelta(days=1)).isoformat()
    target = landing / HOUSEHOLD / day
    target.mkdir()
    for src in sorted(newest.iterdir()):
        if src.name == "_READY":
            continue
        name = src.name.replace(newest.name.replace("-", ""), day.replace("-", ""))
        text = src.read_bytes().decode("gb18030", "surrogateescape")
        lines = text.splitlines(keepends=True)
        for i, line in enumerate(lines):
            key = line.split(",", 1)[0]
            if key in changes:
                old, new = changes[key]
                assert f",{old}," in line
                lines[i] = line.replace(f",{old},", f",{new},", 1)
        (target / name).write_bytes("".join(lines).encode("gb18030", "surrogateescape"))
    (target / "_READY").touch()  # last, as a department's sender does
    return day


def test_filing_on_a_person_name_routes_to_public_security_with_the_golden_value(city):
    _, lake = city
    [(person, name)] = _persons_in_newest_batch(city, 1)
    t = d.file_dispute(lake, person, "population.name", name + "华", by="街道窗口")
    assert (t.department, t.source_id, t.status) == ("gaj", HOUSEHOLD, d.PENDING)
    assert "公安" in t.department_name
    batch = _q(lake, "SELECT name__batch FROM base.base_population__person WHERE person_id = ?", [person])[0][0]
    assert (t.filed_value, t.filed_source, t.filed_batch) == (name, HOUSEHOLD, batch)


def test_filing_on_an_enterprise_name_routes_to_market_regulation(city):
    _, lake = city
    ent, name, source, batch = _q(
        lake,
        "SELECT enterprise_id, name, name__source, name__batch FROM base.base_legal_entity__enterprise "
        "WHERE name IS NOT NULL ORDER BY enterprise_id LIMIT 1",
    )[0]
    t = d.file_dispute(lake, ent, "legal_entity.name", name + "(分公司)", by="税务局")
    assert (t.department, t.source_id) == ("scjg", "scjg.enterprise_register")
    assert "市场监督管理" in t.department_name
    assert (t.filed_value, t.filed_source, t.filed_batch) == (name, source, batch)


def test_unknown_entity_of_the_library_is_refused(city):
    _, lake = city
    enterprise = _q(lake, "SELECT enterprise_id FROM base.base_legal_entity__enterprise LIMIT 1")[0][0]
    with pytest.raises(DisputeError, match=f"unknown entity '{enterprise}'.*person_id"):
        d.file_dispute(lake, enterprise, "population.name", "张三", by="窗口")  # an enterprise is not a person


def test_assign_then_reject_and_refused_transitions(city):
    _, lake = city
    [(person, name)] = _persons_in_newest_batch(city, 1)
    t = d.file_dispute(lake, person, "population.household_address", "山东省滨州市滨城区黄河五路1号", by="社区")
    t = d.assign(lake, t.ticket_id, to="公安-户政科")
    assert (t.status, t.assignee) == (d.VERIFYING, "公安-户政科")
    t = d.reject(lake, t.ticket_id, reason="户籍地址与底册一致", by="公安-户政科")
    assert t.status == d.REJECTED
    with pytest.raises(DisputeError, match="驳回 rejected: reject is allowed only"):
        d.reject(lake, t.ticket_id, reason="again", by="x")
    with pytest.raises(DisputeError, match="驳回 rejected: assign is allowed only"):
        d.assign(lake, t.ticket_id, to="x")
    assert [e.status_to for e in d.get_ticket(lake, t.ticket_id).events] == [d.PENDING, d.VERIFYING, d.REJECTED]


@pytest.fixture(scope="module")
def loop(city):
    """Tickets on three persons' names; a corrected batch changes only the first person's name."""
    landing, lake = city
    (p1, n1), (p2, n2), (p3, n3) = _persons_in_newest_batch(city, 6)[3:6]
    corrected = n1[:-1] + ("华" if n1[-1] != "华" else "英")
    fixed = d.file_dispute(lake, p1, "population.name", corrected, by="街道窗口", note="身份证原件")
    d.assign(lake, fixed.ticket_id, to="公安-王")
    unchanged = d.file_dispute(lake, p2, "population.name", n2 + "华", by="街道窗口")
    rejected = d.file_dispute(lake, p1, "population.name", n1 + "华", by="社区")
    d.reject(lake, rejected.ticket_id, reason="无依据", by="公安-王")
    day = _deliver_next_day(landing, {p1: (n1, corrected)})
    _build(landing, lake, sources=[HOUSEHOLD])
    closed = d.close_corrected(lake)
    return dict(
        lake=lake,
        day=day,
        closed=closed,
        fixed=fixed.ticket_id,
        unchanged=unchanged.ticket_id,
        rejected=rejected.ticket_id,
        person=p1,
        corrected=corrected,
        name=n1,
        other=p2,
    )


def test_corrected_batch_closes_the_ticket_as_corrected_with_history(loop):
    lake = loop["lake"]
    assert [c.ticket_id for c in loop["closed"]] == [loop["fixed"]]
    t = d.get_ticket(lake, loop["fixed"])
    assert t.status == d.CORRECTED and t.filed_value == loop["name"]
    assert [(e.status_from, e.status_to) for e in t.events] == [
        (None, d.PENDING),
        (d.PENDING, d.VERIFYING),
        (d.VERIFYING, d.CORRECTED),
    ]
    last = t.events[-1]
    assert (last.by, last.golden_value, last.golden_source, last.golden_batch) == (
        "system",
        loop["corrected"],
        HOUSEHOLD,
        loop["day"],
    )
    assert loop["closed"][0].matches_claim


def test_redelivery_with_the_unchanged_value_leaves_the_ticket_open(loop):
    lake = loop["lake"]
    batch = _q(lake, "SELECT name__batch FROM base.base_population__person WHERE person_id = ?", [loop["other"]])
    # the later batch repeated the disputed value: its lineage stays on the first delivery
    assert batch and batch != [(loop["day"],)]
    t = d.get_ticket(lake, loop["unchanged"])
    assert t.status == d.PENDING and len(t.events) == 1


def test_a_rejected_ticket_stays_rejected_when_the_value_changes(loop):
    t = d.get_ticket(loop["lake"], loop["rejected"])
    assert t.status == d.REJECTED and t.events[-1].by == "公安-王"


def test_close_corrected_is_idempotent(loop):
    assert d.close_corrected(loop["lake"]) == []


def test_cli_lists_and_shows_the_loop(loop):
    from conductor.cli import app

    runner, home = CliRunner(), ["--home", str(loop["lake"].home)]
    listed = runner.invoke(app, ["dispute", "list", "--status", "已更正", *home], env={"COLUMNS": "250"})
    assert listed.exit_code == 0 and loop["fixed"] in listed.output and loop["unchanged"] not in listed.output
    shown = runner.invoke(app, ["dispute", "show", loop["fixed"], *home], env={"COLUMNS": "250"})
    assert shown.exit_code == 0
    assert "核实中 → 已更正" in shown.output and "滨州市公安局" in shown.output and loop["day"] in shown.output
