"""The OpenMetadata sync's dealings with a server (catalog/om_sync.py, catalog/om_client.py), against
the in-memory OpenMetadata of tests/openmetadata_stub.py through the SDK's real REST client:
retries, one-line errors, incremental writes, soft deletion, resuming."""

from __future__ import annotations

import json
import socket

import pytest

from catalog.om_client import OMSyncError
from catalog.om_entities import Entity
from catalog.om_sync import dry_run, sync
from tests.openmetadata_stub import DROP, OpenMetadataStub

# importing the SDK takes 8.8 s (the request models used here, measured on the 2-CPU machine), paid by the first test
pytestmark = pytest.mark.slow

TOKEN = "eyJ.stub-bot-token.sig"


def team(code: str, description: str = "部门"):
    from metadata.generated.schema.api.teams.createTeam import CreateTeamRequest

    return Entity(
        "team", code, lambda refs: CreateTeamRequest(name=code, teamType="Department", description=description)
    )


def glossary(terms: list[str]) -> list[Entity]:
    from metadata.generated.schema.api.data.createGlossary import CreateGlossaryRequest
    from metadata.generated.schema.api.data.createGlossaryTerm import CreateGlossaryTermRequest

    out = [Entity("glossary", "g", lambda refs: CreateGlossaryRequest(name="g", description="一数一源"))]
    for t in terms:
        out.append(
            Entity(
                "glossaryTerm",
                f"g.{t}",
                lambda refs, t=t: CreateGlossaryTermRequest(glossary="g", name=t, description=f"{t} 定义"),
            )
        )
    return out


@pytest.fixture
def om():
    with OpenMetadataStub(token=TOKEN) as stub:
        yield stub


def run(lake, om, entities, **kw):
    return sync(lake, om.url, TOKEN, entities=entities, wait_seconds=0, **kw)


def test_a_500_is_retried_and_the_entity_created(lake, om):
    om.fail_next("PUT", "/teams", 500)
    result = run(lake, om, [team("gaj")])
    assert result.created == {"team": 1}
    assert [m for m, p, _ in om.writes if p == "/teams"] == ["PUT", "PUT"]
    assert om.entity("teams", "gaj")


def test_a_dropped_connection_is_retried_and_the_entity_created(lake, om):
    om.fail_next("PUT", "/teams", DROP)
    result = run(lake, om, [team("gaj")])
    assert result.created == {"team": 1}
    assert [m for m, p, _ in om.writes if p == "/teams"] == ["PUT", "PUT"]


def test_a_500_that_outlasts_the_retries_ends_with_one_line_naming_the_request(lake, om):
    for _ in range(3):
        om.fail_next("PUT", "/teams", 500)
    with pytest.raises(OMSyncError) as e:
        run(lake, om, [team("gaj")], attempts=3)
    assert "PUT /teams" in str(e.value) and "500" in str(e.value) and "\n" not in str(e.value)
    assert len([p for _, p, _ in om.writes if p == "/teams"]) == 3


def test_a_refused_token_ends_with_one_line_that_does_not_quote_it(lake, om):
    with pytest.raises(OMSyncError) as e:
        sync(lake, om.url, "not-the-token", entities=[team("gaj")], wait_seconds=0)
    message = str(e.value)
    assert "401" in message and "token" in message and "\n" not in message
    assert "not-the-token" not in message
    assert om.entity("teams", "gaj") is None


def test_an_unreachable_host_ends_with_one_line_naming_it(lake):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    host = f"http://127.0.0.1:{port}/api"
    with pytest.raises(OMSyncError) as e:
        sync(lake, host, TOKEN, entities=[team("gaj")], wait_seconds=0)
    assert str(e.value).startswith(f"OpenMetadata at {host} is unreachable") and "\n" not in str(e.value)


def test_a_second_sync_with_nothing_changed_sends_no_write(lake, om):
    entities = [team("gaj"), *glossary(["population__id_no"])]
    run(lake, om, entities)
    sent = len(om.writes)
    result = run(lake, om, entities)
    assert sent == 3 and len(om.writes) == sent
    assert result.unchanged == 3 and result.writes == 0


def test_a_changed_description_is_one_patch_of_that_field(lake, om):
    run(lake, om, [team("gaj", "公安局"), team("wjw")])
    before = len(om.writes)
    result = run(lake, om, [team("gaj", "滨州市公安局"), team("wjw")])
    method, path, ops = om.writes[before]
    assert len(om.writes) == before + 1 and result.updated == {"team": 1}
    assert method == "PATCH" and path == f"/teams/{om.entity('teams', 'gaj')['id']}"
    assert ops == [{"op": "add", "path": "/description", "value": "滨州市公安局"}]
    assert om.entity("teams", "gaj")["description"] == "滨州市公安局"


def test_an_entity_gone_from_the_directory_is_soft_deleted(lake, om):
    run(lake, om, glossary(["a", "b"]))
    result = run(lake, om, glossary(["a"]))
    assert result.deleted == {"glossaryTerm": 1}
    assert om.entity("glossaryTerms", "g.b")["deleted"] is True
    method, path, _ = om.writes[-1]
    assert method == "DELETE" and path.startswith(
        f"/glossaryTerms/{om.entity('glossaryTerms', 'g.b')['id']}?hardDelete=false"
    )
    assert om.entity("glossaryTerms", "g.a")["deleted"] is False


def test_a_sync_stopped_half_way_resumes_without_resending_what_the_server_has(lake, om):
    entities = [team("gaj"), *glossary(["a"]), team("wjw")]
    om.fail_next("PUT", "/glossaries", 503)
    with pytest.raises(OMSyncError):
        run(lake, om, entities, attempts=1)
    stopped = len(om.writes)
    result = run(lake, om, entities)
    assert [p for _, p, _ in om.writes[stopped:]] == ["/glossaries", "/glossaryTerms", "/teams"]
    assert result.created == {"glossary": 1, "glossaryTerm": 1, "team": 1} and result.unchanged == 1


def test_a_dry_run_writes_each_payload_as_a_file_and_sends_nothing(lake, tmp_path):
    count = dry_run(lake, tmp_path / "om", entities=[team("gaj", "滨州市公安局"), *glossary(["a"])])
    assert count == 3
    assert json.loads((tmp_path / "om" / "team" / "gaj.json").read_text(encoding="utf-8")) == {
        "teamType": "Department",
        "name": "gaj",
        "description": "滨州市公安局",
    }
    assert (tmp_path / "om" / "glossaryTerm" / "g.a.json").exists()


def test_a_dry_run_into_a_directory_holding_files_is_refused(lake, tmp_path):
    dry_run(lake, tmp_path / "om", entities=[team("gaj")])
    with pytest.raises(FileExistsError, match="not empty"):
        dry_run(lake, tmp_path / "om", entities=[team("wjw")])
    assert not (tmp_path / "om" / "team" / "wjw.json").exists()


def _audit(lake) -> list[dict]:
    return [json.loads(line) for f in sorted(lake.audit.glob("*.jsonl")) for line in f.read_text().splitlines()]


def test_each_sync_is_in_the_audit_log_with_what_it_sent(lake, om):
    run(lake, om, [team("gaj"), team("wjw")])
    [rec] = [r for r in _audit(lake) if r["action"] == "catalog.sync_openmetadata"]
    assert (rec["subject"], rec["outcome"]) == (om.url, "ok")
    assert rec["details"]["created"] == {"team": 2} and rec["details"]["unchanged"] == 0


def test_a_refused_sync_is_in_the_audit_log_without_the_token(lake, om):
    with pytest.raises(OMSyncError):
        sync(lake, om.url, "eyJ.refused-token.sig", entities=[team("gaj")], wait_seconds=0)
    [rec] = [r for r in _audit(lake) if r["action"] == "catalog.sync_openmetadata"]
    assert rec["outcome"] == "failed" and "401" in rec["details"]["error"]
    assert "refused-token" not in json.dumps(rec)
