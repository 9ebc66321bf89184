"""Airflow as a deployment runs it, for tests: scheduler, dag-processor, triggerer and api-server
as separate processes on one metadata database (a throwaway PostgreSQL), LocalExecutor, the
lake's DAGs; driven and observed only through the REST API (/api/v2).

`with LocalAirflow(lake, db_url, env) as airflow:` migrates the database, creates the warehouse
writers' pool (conductor.airflow_pools, as the deployment's init service does), starts the four
components, waits for the API, and on leaving stops every process it started (the component's
whole process group: the executor's and triggerer's children too).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from conductor.airflow_env import airflow_environ
from govlake.settings import Lake
from tests.conftest import REPO

COMPONENTS = ("scheduler", "dag-processor", "triggerer", "api-server")
T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalAirflow:
    def __init__(self, lake: Lake, db_url: str, env: dict[str, str] | None = None):
        self.lake = lake
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logs = lake.airflow_home / "components"
        self.env = (
            airflow_environ(lake)
            | {
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url,
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__AUTH_MANAGER": (
                    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
                ),
                # a test cluster on loopback: everyone is admin, the API needs no login
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base}/execution/",
                "AIRFLOW__API__BASE_URL": self.base,
                # every component signs and checks the task tokens with the same secret
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            }
            | (env or {})
        )
        self.processes: dict[str, subprocess.Popen] = {}

    def _prepare(self) -> None:
        for step in (["airflow", "db", "migrate"], ["conductor.airflow_pools"]):
            done = subprocess.run([sys.executable, "-m", *step], env=self.env, cwd=REPO, capture_output=True,
                                  text=True, timeout=600)  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(step)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")

    def __enter__(self) -> LocalAirflow:
        self.logs.mkdir(parents=True, exist_ok=True)
        self._prepare()
        try:
            for component in COMPONENTS:
                args = ["--host", "127.0.0.1", "--port", str(self.port)] if component == "api-server" else []
                log = (self.logs / f"{component}.log").open("wb")
                self.processes[component] = subprocess.Popen(
                    [sys.executable, "-m", "airflow", component, *args], env=self.env, cwd=REPO,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
            self.wait_for(lambda: self._healthy(), "the API server to answer", timeout=180)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _healthy(self) -> bool:
        try:
            return bool(self.get("/api/v2/monitor/health"))
        except (OSError, urllib.error.URLError):
            return False

    def __exit__(self, *exc) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for proc in self.processes.values():  # what a component left behind (task runners)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    # ---- REST API -------------------------------------------------------------------------

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=30) as answer:
            return json.loads(answer.read() or b"{}")

    def get(self, path: str) -> dict:
        return self.request("GET", path)

    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        run = self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf or {}})
        return run["dag_run_id"]

    def runs(self, dag_id: str) -> list[dict]:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns?order_by=start_date")["dag_runs"]

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict]:
        answer = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        return {ti["task_id"]: ti for ti in answer["task_instances"]}

    def wait_for(self, probe: Callable[[], T], what: str, timeout: float = 600, every: float = 1.0) -> T:
        """probe()'s first truthy answer; on timeout an error naming what was awaited, with the
        components' last log lines (a component that died says why there)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = probe()
            if answer:
                return answer
            dead = [c for c, p in self.processes.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"Airflow {', '.join(dead)} exited while waiting for {what}:\n{self.tail()}")
            time.sleep(every)
        raise TimeoutError(f"waited {timeout:.0f} s for {what}:\n{self.tail()}")

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 600) -> dict:
        return self.wait_for(
            lambda: (run := self.run(dag_id, run_id))["state"] in ("success", "failed") and run,
            f"{dag_id} run {run_id} to finish",
            timeout,
        )

    def tail(self, lines: int = 15) -> str:
        out = []
        for component in COMPONENTS:
            path: Path = self.logs / f"{component}.log"
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                out.append(f"--- {component} ---\n" + "\n".join(text))
        return "\n".join(out)
