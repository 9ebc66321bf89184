"""Gateway benchmark on the 1,000,000-person synthetic city (issue 16).

    python bench/gateway.py [--persons 1000000] [--seed 42] [--clients 20] [--requests 200]
                            [--from LAKE] [--work DIR] [--workers 8]

The gateway reads only the published layer, so the benchmark's lake is that layer alone, copied
from a published lake (default: the catalog benchmark's, bench/data/catalog-<persons>-<seed>/lake;
when it is not published yet, bench/catalog.py's own preparation and publication are run on a
copy of bench/data/build-<persons>-<seed>/lake): the directory export, the analysts' database and
the curated Parquet. Into it go an access snapshot — per client one consumer token of 人社 (rsj),
holding a grant on 人员基础信息 (base_population__person) of a handful of 信息项, sensitive ones
among them and delivered masked, and one analyst token — and then, untimed, `govlake serve` starts
(the real CLI, a subprocess: its RSS and CPU are its own, sampled with psutil every 50 ms).

Timed, on loopback: --clients threads, each with its own httpx.Client and tokens, send
--requests requests back to back: 100-row pages at pseudo-random offsets
(GET /resources/{code}/rows?page=…&page_size=100, JSON) and small SQL aggregates (POST /sql:
counts by region and by gender over the population, a count of enterprises), 4 pages to 1 query.
Per kind: client-observed latency p50/p95/p99, the server's own duration (the audit log's
`duration_ms`), errors (anything but 200, and failed connections); throughput over the run.
Then the same pages one at a time (one client), for the latency without queueing.

The floor, in the same run and process: DuckDB alone reading the same pages of the same file,
the same columns, unmasked (`SELECT … FROM read_parquet(f) LIMIT 100 OFFSET n`), sequentially and
from --clients threads (a cursor each). Targets: no errors, p95 of a page under 50 ms, a page's
median within 3x of the bare query's at the same concurrency.
Results: bench/results/gateway.json (--out).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DATA, RESULTS, ROOT, bench_lake, child, machine

sys.path.insert(0, str(ROOT))

PERSON_MODEL = "base_population__person"  # 人员基础信息, 有条件共享
ENTERPRISE_MODEL = "base_legal_entity__enterprise"  # 企业法人基础信息
CONSUMER = "rsj"
# the grant: identifiers, a name, contacts (敏感/个人信息, all masked) and the region (not personal)
GRANTED = ("person_id", "id_no", "name", "gender", "birth_date", "mobile", "region_code")
QUERIES = (
    f"SELECT region_code, count(*) AS n FROM population.{PERSON_MODEL} GROUP BY ALL ORDER BY ALL",
    f"SELECT gender, count(*) AS n FROM population.{PERSON_MODEL} GROUP BY ALL ORDER BY ALL",
    f"SELECT count(*) AS n FROM legal_entity.{ENTERPRISE_MODEL}",
)
PAGE_SIZE, PAGES_PER_QUERY = 100, 4
TARGET_P95_MS, TARGET_RATIO = 50.0, 3.0
PUBLISHED = ("catalog/export/directory.json", "analysts.duckdb")


# -- statistics ------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between the closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_stats(ms: list[float]) -> dict:
    """count, mean, p50/p95/p99 and max of latencies in milliseconds (rounded to 0.01 ms)."""
    if not ms:
        return {"count": 0}
    return {
        "count": len(ms),
        "mean_ms": round(sum(ms) / len(ms), 2),
        **{f"p{q}_ms": round(percentile(ms, q), 2) for q in (50, 95, 99)},
        "max_ms": round(max(ms), 2),
    }


@dataclass(frozen=True)
class Call:
    kind: str  # page | sql
    ms: float  # client-observed, request sent to body read
    status: int  # HTTP status; 0 when the request failed without one
    request_id: str | None = None


def summarise(calls: list[Call], seconds: float) -> dict:
    """Throughput, errors (anything but 200) and latency per kind of a run of calls."""
    kinds = sorted({c.kind for c in calls})
    errors: dict[str, int] = {}
    for c in calls:
        if c.status != 200:
            errors[str(c.status)] = errors.get(str(c.status), 0) + 1
    return {
        "requests": len(calls),
        "seconds": round(seconds, 2),
        "throughput_rps": round(len(calls) / seconds, 1) if seconds else None,
        "errors": sum(errors.values()),
        "errors_by_status": errors,
        "latency": {k: latency_stats([c.ms for c in calls if c.kind == k and c.status == 200]) for k in kinds},
    }


# -- the plan: which requests each client sends ----------------------------------------------
def plan(clients: int, requests: int, rows: int, seed: int) -> list[list[tuple[str, object]]]:
    """Per client, its requests in order: ("page", page number) or ("sql", query); pseudo-random
    and the same for the same arguments, so the floor reads the very pages the gateway served."""
    pages = max(1, -(-rows // PAGE_SIZE))
    out = []
    for c in range(clients):
        rnd = random.Random(seed * 1_000_003 + c)
        mine = []
        for _ in range(requests):
            if rnd.randrange(PAGES_PER_QUERY + 1) < PAGES_PER_QUERY:
                mine.append(("page", rnd.randrange(1, pages + 1)))
            else:
                mine.append(("sql", rnd.choice(QUERIES)))
        out.append(mine)
    return out


# -- the lake: the published layer, and who may read it --------------------------------------
def published_source(persons: int, seed: int, source: Path | None, work: Path) -> Path:
    """A lake with a published layer: `source`, else the catalog benchmark's, else one published
    here by bench/catalog.py's preparation and publication on a copy of the built lake."""
    if source is not None:
        if not _is_published(source):
            raise SystemExit(f"{source} has no published layer ({', '.join(PUBLISHED)}, curated/)")
        return source
    catalog_lake = DATA / f"catalog-{persons}-{seed}" / "lake"
    if _is_published(catalog_lake):
        return catalog_lake
    built = DATA / f"build-{persons}-{seed}" / "lake"
    if not (built / "warehouse.duckdb").exists():
        raise SystemExit(f"no built lake at {built}: run bench/build.py --persons {persons} --seed {seed} first")
    staging = work / "publish"
    print(f"publishing a copy of {built} (bench/catalog.py's preparation, untimed) …", flush=True)
    bench_lake(built, staging)
    (staging / "dbt").mkdir()
    for name in ("manifest.json", "run_results.json"):
        if (built / "dbt" / name).exists():
            shutil.copy2(built / "dbt" / name, staging / "dbt" / name)
    catalog = str(Path(__file__).with_name("catalog.py"))
    child(catalog, ["--prepare", str(staging)])
    child(catalog, ["--one", "govlake", str(staging)])
    return staging


def _is_published(lake: Path) -> bool:
    return all((lake / p).is_file() for p in PUBLISHED) and (lake / "curated").is_dir()


def gateway_lake(source: Path, lake: Path) -> None:
    """The published layer of `source` copied into a fresh `lake` (nothing else: the gateway
    never opens the warehouse)."""
    if lake.exists():
        shutil.rmtree(lake)
    for rel in PUBLISHED:
        (lake / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / rel, lake / rel)
    shutil.copytree(source / "curated", lake / "curated")


@dataclass(frozen=True)
class Secrets:
    consumers: list[str]  # one per client
    analysts: list[str]


def write_access(lake: Path, person_code: str, clients: int) -> Secrets:
    """Per client a consumer token of rsj and an analyst token (the rate limit is per token, as
    for twenty callers), and rsj's grant on the person resource."""
    from govlake.settings import Lake
    from sharing.access import AccessSnapshot, Grant, Token, hash_token, new_token, write_snapshot

    now = datetime.now(UTC)
    expires = (now + timedelta(days=1)).isoformat(timespec="seconds")
    secrets = Secrets([new_token() for _ in range(clients)], [new_token() for _ in range(clients)])
    tokens = [Token(f"TKN-C{i:03d}", hash_token(s), CONSUMER, "consumer") for i, s in enumerate(secrets.consumers)]
    tokens += [Token(f"TKN-A{i:03d}", hash_token(s), f"分析员{i}", "analyst") for i, s in enumerate(secrets.analysts)]
    grant = Grant(
        "GRT-BENCH",
        CONSUMER,
        person_code,
        GRANTED,
        purpose="社保待遇资格核验",
        legal_basis="社会保险法",
        expires_at=expires,
        granted_at=now.isoformat(timespec="seconds"),
    )
    write_snapshot(Lake(lake), AccessSnapshot(tokens=tuple(tokens), grants=(grant,)))
    return secrets


# -- the server ------------------------------------------------------------------------------
class Server:
    """`govlake serve` in a subprocess on a free loopback port; samples its RSS and CPU."""

    def __init__(self, lake: Path, workers: int | None):
        import psutil

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [str(Path(sys.executable).with_name("govlake")), "serve", "--home", str(lake), "--port", str(self.port)]
        if workers:
            cmd += ["--workers", str(workers)]
        self.log = (lake.parent / "serve.log").open("wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        self.ps = psutil.Process(self.proc.pid)
        self.peak_rss = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def wait_ready(self, timeout: float = 120) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"govlake serve exited {self.proc.returncode}: see {self.log.name}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    self._sampler.start()
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"govlake serve did not answer within {timeout:g} s")

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak_rss = max(self.peak_rss, self.ps.memory_info().rss)
            except Exception:  # the process ended
                return
            self._stop.wait(0.05)

    def cpu(self) -> float:
        t = self.ps.cpu_times()
        return t.user + t.system

    def rss(self) -> int:
        return self.ps.memory_info().rss

    def stop(self) -> None:
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# -- the load --------------------------------------------------------------------------------
def drive(
    url: str, person_code: str, requests: list[tuple[str, object]], consumers: list[str], analysts: list[str]
) -> list[Call]:
    """One client: its requests in order, each waiting for the previous answer, its tokens taken
    in turn (one each for a client of the load; the one-client pass spreads its pages over all of
    them, or the per-token rate limit would answer 429, as it should)."""
    import httpx

    calls = []
    page_url = f"/resources/{person_code}/rows"
    with httpx.Client(base_url=url, timeout=60) as client:
        for n, (kind, arg) in enumerate(requests):
            started = time.perf_counter()
            try:
                if kind == "page":
                    r = client.get(
                        page_url,
                        params={"page": arg, "page_size": PAGE_SIZE, "format": "json"},
                        headers={"Authorization": f"Bearer {consumers[n % len(consumers)]}"},
                    )
                else:
                    headers = {"Authorization": f"Bearer {analysts[n % len(analysts)]}"}
                    r = client.post("/sql", json={"sql": arg}, headers=headers)
                r.read()
                status, rid = r.status_code, r.headers.get("x-request-id")
            except httpx.HTTPError:
                status, rid = 0, None
            calls.append(Call(kind, (time.perf_counter() - started) * 1000, status, rid))
    return calls


def run_clients(
    url: str, person_code: str, work: list[list[tuple[str, object]]], secrets: Secrets, rotate: bool = False
) -> tuple:
    """All clients at once (a barrier starts them together); their calls and the wall time. Each
    client has its own tokens, or with `rotate` (one client) takes all of them in turn."""
    results: list[list[Call]] = [[] for _ in work]

    def one(i: int) -> None:
        if rotate:
            consumers, analysts = secrets.consumers, secrets.analysts
        else:
            consumers, analysts = [secrets.consumers[i]], [secrets.analysts[i]]
        results[i] = drive(url, person_code, work[i], consumers, analysts)

    seconds = all_at_once(one, len(work))
    return [c for r in results for c in r], seconds


def all_at_once(one, n: int) -> float:
    """one(0) … one(n - 1), each in a thread, released together by a barrier; the seconds from
    their release until the last is done."""
    barrier = threading.Barrier(n + 1)

    def released(i: int) -> None:
        barrier.wait()
        one(i)

    threads = [threading.Thread(target=released, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def server_durations(lake: Path, calls: list[Call]) -> dict:
    """The server's own duration per kind (the audit log's duration_ms of each call's request)."""
    kind_of = {c.request_id: c.kind for c in calls if c.request_id}
    durations: dict[str, list[float]] = {}
    for path in sorted((lake / "audit").glob("audit-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            d = rec.get("details") or {}
            kind = kind_of.get(d.get("request_id"))
            if kind and d.get("status") == 200:
                durations.setdefault(kind, []).append(d["duration_ms"])
    return {k: latency_stats(v) for k, v in sorted(durations.items())}


# -- the floor -------------------------------------------------------------------------------
def floor(parquet: Path, offsets: list[int], clients: int) -> dict:
    """DuckDB alone reading the same pages (same file, same columns, no masking), in this
    process: one after another, then spread over `clients` threads with a cursor each."""
    import duckdb

    columns = ", ".join(f'"{c}"' for c in GRANTED)
    sql = f"SELECT {columns} FROM read_parquet('{parquet}') LIMIT {PAGE_SIZE} OFFSET ?"
    con = duckdb.connect(config={"threads": 2})  # as the gateway's engine
    con.sql(sql, params=[0]).to_arrow_table()  # the file's metadata into the cache, as the gateway's

    def page(cursor, offset: int) -> float:
        started = time.perf_counter()
        cursor.sql(sql, params=[offset]).to_arrow_table()
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    sequential = [page(con, o) for o in offsets]
    seq_seconds = time.perf_counter() - started

    shares = [offsets[i::clients] for i in range(clients)]
    threaded: list[list[float]] = [[] for _ in shares]
    cursors = [con.cursor() for _ in shares]  # one per thread, opened before the clock starts

    def one(i: int) -> None:
        threaded[i] = [page(cursors[i], o) for o in shares[i]]

    thr_seconds = all_at_once(one, clients)
    for cursor in cursors:
        cursor.close()
    con.close()
    flat = [ms for share in threaded for ms in share]
    return {
        "sql": sql.replace(str(parquet), "<file>"),
        "sequential": {
            "pages_per_s": round(len(offsets) / seq_seconds, 1),
            "seconds": round(seq_seconds, 2),
            **latency_stats(sequential),
        },
        f"threads_{clients}": {
            "pages_per_s": round(len(offsets) / thr_seconds, 1),
            "seconds": round(thr_seconds, 2),
            **latency_stats(flat),
        },
    }


# -- the run ---------------------------------------------------------------------------------
def resource_codes(lake: Path) -> tuple[str, Path]:
    from govlake.settings import Lake
    from sharing.published import read_layer

    layer = read_layer(Lake(lake))
    person = next((r for r in layer.resources.values() if r.name == PERSON_MODEL), None)
    if person is None or person.parquet is None:
        raise SystemExit(f"{lake}: no published {PERSON_MODEL}")
    return person.code, person.parquet


def targets(load: dict, ratios: dict) -> dict:
    page = load["latency"].get("page", {})
    return {
        "zero_errors": load["errors"] == 0,
        f"page_p95_under_{TARGET_P95_MS:g}_ms": page.get("p95_ms", float("inf")) < TARGET_P95_MS,
        f"page_within_{TARGET_RATIO:g}x_of_bare": ratios.get("page_p50_vs_bare_p50_same_concurrency", 99)
        <= TARGET_RATIO,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=200, help="requests per client")
    ap.add_argument("--workers", type=int, help="`govlake serve --workers` (default: its own)")
    ap.add_argument("--from", dest="source", type=Path, help="a lake with a published layer")
    ap.add_argument("--work", type=Path, help="where the benchmark's lake goes (default bench/data/gateway-…)")
    ap.add_argument("--out", type=Path, default=RESULTS / "gateway.json")
    args = ap.parse_args()

    work = args.work or DATA / f"gateway-{args.persons}-{args.seed}"
    work.mkdir(parents=True, exist_ok=True)
    source = published_source(args.persons, args.seed, args.source, work)
    lake = work / "lake"
    print(f"the published layer of {source} -> {lake} (untimed) …", flush=True)
    gateway_lake(source, lake)
    person_code, parquet = resource_codes(lake)
    secrets = write_access(lake, person_code, args.clients)
    import pyarrow.parquet as pq

    rows = pq.ParquetFile(parquet).metadata.num_rows
    work_plan = plan(args.clients, args.requests, rows, args.seed)

    server = Server(lake, args.workers)
    try:
        server.wait_ready()
        idle_rss = server.rss()
        # one warm-up call of each kind (the engine builds its views on the first request)
        drive(server.url, person_code, [("page", 1), ("sql", QUERIES[0])], secrets.consumers, secrets.analysts)
        cpu0, client_cpu0 = server.cpu(), time.process_time()
        print(f"{args.clients} clients x {args.requests} requests against {server.url} …", flush=True)
        calls, seconds = run_clients(server.url, person_code, work_plan, secrets)
        server_cpu, client_cpu = server.cpu() - cpu0, time.process_time() - client_cpu0
        load = summarise(calls, seconds)
        load["server_durations"] = server_durations(lake, calls)
        load["server_cpu_s"] = round(server_cpu, 1)
        load["clients_cpu_s"] = round(client_cpu, 1)  # the client threads' process, on the same 2 cores
        load["server_peak_rss_mb"] = round(server.peak_rss / 2**20)
        load["server_idle_rss_mb"] = round(idle_rss / 2**20)
        pages = [("page", p) for mine in work_plan for kind, p in mine if kind == "page"]
        one_at_a_time = pages[: min(len(pages), 400)]
        print(f"{len(one_at_a_time)} pages from one client …", flush=True)
        seq_calls, seq_seconds = run_clients(server.url, person_code, [one_at_a_time], secrets, rotate=True)
        sequential = summarise(seq_calls, seq_seconds)
        sequential["server_durations"] = server_durations(lake, seq_calls)
    finally:
        server.stop()
    offsets = [(p - 1) * PAGE_SIZE for _, p in pages]
    print(f"floor: {len(offsets)} pages read by DuckDB alone …", flush=True)
    bare = floor(parquet, offsets, args.clients)

    page, page_seq = load["latency"].get("page", {}), sequential["latency"].get("page", {})
    bare_thr, bare_seq = bare[f"threads_{args.clients}"], bare["sequential"]
    ratios = {}
    if page.get("count") and page_seq.get("count"):
        ratios = {
            "page_p50_vs_bare_p50_same_concurrency": round(page["p50_ms"] / bare_thr["p50_ms"], 2),
            "page_p95_vs_bare_p95_same_concurrency": round(page["p95_ms"] / bare_thr["p95_ms"], 2),
            "page_p50_vs_bare_p50_sequential": round(page_seq["p50_ms"] / bare_seq["p50_ms"], 2),
            "page_p95_vs_bare_p95_sequential": round(page_seq["p95_ms"] / bare_seq["p95_ms"], 2),
        }
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "city": {"persons": args.persons, "seed": args.seed, "person_rows": rows},
        "settings": {
            "clients": args.clients,
            "requests_per_client": args.requests,
            "serve_workers": args.workers or "default",
            "page_size": PAGE_SIZE,
            "pages_per_query": PAGES_PER_QUERY,
            "granted_items": list(GRANTED),
            "queries": list(QUERIES),
            "source": str(source),
        },
        "method": (
            "`govlake serve` in a subprocess on loopback (peak RSS sampled every 50 ms with psutil); "
            f"{args.clients} client threads, an httpx.Client and its own consumer and analyst token each, "
            "send their requests back to back, started together; latency is client-observed (request to "
            "body read), server_durations the audit log's duration_ms of the same requests; then up to "
            "400 of the same pages from one client; the floor is DuckDB in the benchmark's process reading "
            "the same pages (same file, same columns, unmasked) sequentially and from as many threads"
        ),
        "load": load,
        "one_client": sequential,
        "floor": bare,
        "ratios": ratios,
    }
    result["targets"] = targets(load, ratios)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("load", "one_client", "floor", "ratios", "targets")}, indent=1))
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
