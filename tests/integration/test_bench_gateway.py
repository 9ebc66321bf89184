"""bench/gateway.py end to end on a small published layer: `govlake serve` started and stopped,
the clients' requests all answered, the server's own durations read back from the audit log,
the floor run over the very pages served, and the results written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.published_fixtures import publish_small_layer

BENCH = Path(__file__).resolve().parents[2] / "bench" / "gateway.py"
CLIENTS, REQUESTS = 3, 12


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench_gateway")
    source = publish_small_layer(root / "published", persons=2_000)
    out = root / "gateway.json"
    args = ["--from", str(source), "--work", str(root / "work"), "--out", str(out)]
    args += ["--clients", str(CLIENTS), "--requests", str(REQUESTS)]
    done = subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8")), root


def test_every_request_of_every_client_is_answered_without_error(run):
    result, _ = run
    assert result["load"]["requests"] == CLIENTS * REQUESTS
    assert result["load"]["errors"] == 0


def test_latency_is_reported_per_kind_client_side_and_server_side(run):
    load = run[0]["load"]
    counts = {kind: stats["count"] for kind, stats in load["latency"].items()}
    assert set(counts) == {"page", "sql"}
    assert sum(counts.values()) == CLIENTS * REQUESTS
    assert {k: s["count"] for k, s in load["server_durations"].items()} == counts
    for kind in counts:
        assert 0 < load["latency"][kind]["p50_ms"] <= load["latency"][kind]["p95_ms"] <= load["latency"][kind]["max_ms"]


def test_the_server_is_measured_alone_and_stopped_after(run):
    result, root = run
    assert result["load"]["server_peak_rss_mb"] >= result["load"]["server_idle_rss_mb"] > 0
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert str(root / "work" / "lake") not in ps


def test_the_floor_reads_the_very_pages_the_gateway_served(run):
    result = run[0]
    pages = result["load"]["latency"]["page"]["count"]
    assert result["floor"]["sequential"]["count"] == pages
    assert result["floor"][f"threads_{CLIENTS}"]["count"] == pages
    assert result["one_client"]["latency"]["page"]["count"] == pages


def test_the_results_say_which_targets_were_met(run):
    result = run[0]
    assert set(result["targets"]) == {"zero_errors", "page_p95_under_50_ms", "page_within_3x_of_bare"}
    assert result["targets"]["zero_errors"] is True
    assert result["ratios"]["page_p50_vs_bare_p50_same_concurrency"] > 0
