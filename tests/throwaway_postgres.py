"""A throwaway PostgreSQL server for tests: Debian's own binaries, a cluster made by `initdb` in
a temporary directory, served on 127.0.0.1 for the `with` block and removed after it.

The database a deployment gives Airflow (docker-compose.yml), so the scheduler test runs on
what production runs on. PostgreSQL refuses to run as root: under root the cluster belongs to
the `postgres` account Debian's package creates (else `nobody`), in a directory it can enter.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

DEBIAN_BINARIES = "/usr/lib/postgresql/*/bin"


def postgres_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl: on PATH, else Debian's versioned directory."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    found = sorted(glob.glob(f"{DEBIAN_BINARIES}/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_account() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("PostgreSQL cannot run as root and neither a postgres nor a nobody account exists")


class ThrowawayPostgres:
    """`with ThrowawayPostgres() as pg:` — pg.url is a SQLAlchemy URL of an empty database."""

    def __init__(self, database: str = "airflow", user: str = "airflow"):
        self.database, self.user = database, user
        self.bin = postgres_binaries()
        if self.bin is None:
            raise RuntimeError(
                "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: `make postgres` "
                "installs Debian's package"
            )
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="govlake-pg-"))
        self.data = self.root / "data"
        self.account = _server_account()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{self.database}"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def _run(self, *args: str) -> None:
        ids = {"user": self.account.pw_uid, "group": self.account.pw_gid} if self.account else {}
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, **ids)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stdout}{done.stderr}")

    def __enter__(self) -> ThrowawayPostgres:
        self.root.chmod(0o755)
        self.data.mkdir()
        if self.account:
            for path in (self.root, self.data):
                os.chown(path, self.account.pw_uid, self.account.pw_gid)
        # trust on loopback only, no fsync: a test cluster that lives for one test
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        try:
            self._create_database()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _create_database(self) -> None:
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname="postgres")
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            con.close()

    def __exit__(self, *exc) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
