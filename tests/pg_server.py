"""A throwaway PostgreSQL server for tests and benchmarks: Debian's `postgresql` binaries, a data
directory in a temporary folder, TCP on a free loopback port, password authentication.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user the Debian
package creates (or `nobody`). `.ci/run` installs the package when it is missing.
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

USER = "feedsum"
PASSWORD = "s3cret-pw"


class ServerUnavailable(RuntimeError):
    """No PostgreSQL binaries here, or the server would not start."""


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if versions:
        return Path(versions[-1]).parent
    raise ServerUnavailable("PostgreSQL's server binaries were not found (Debian/Ubuntu: apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.bin = _bindir()
        self.run_as = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    self.run_as = pwd.getpwnam(name)
                    break
                except KeyError:
                    continue
        # Not under pytest's tmp_path: its root folder is private to root, and the server's user must enter.
        self.dir = Path(tempfile.mkdtemp(prefix="feedsum-pg-"))
        self.data = self.dir / "data"
        self.port = 0
        if self.run_as:
            os.chown(self.dir, self.run_as.pw_uid, self.run_as.pw_gid)
        pwfile = self.dir / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.run_as:
            os.chown(pwfile, self.run_as.pw_uid, self.run_as.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=scram-sha-256", f"--pwfile={pwfile}",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        with open(self.data / "postgresql.conf", "a") as conf:
            # A test server: nothing synced to disk, no unix socket (its folder may be unwritable),
            # loopback only. Commits still reach the WAL before they return (synchronous_commit):
            # the tests stop the server the hard way, and an asynchronous commit less than the WAL
            # writer's 200 ms old was lost with it (a table gone after the restart).
            conf.write("\nfsync = off\nsynchronous_commit = on\nfull_page_writes = off\n"
                       "unix_socket_directories = ''\nlisten_addresses = '127.0.0.1'\n")

    def _run(self, tool: str, *args: str, timeout: float = 60) -> str:
        kwargs = {"user": self.run_as.pw_uid, "group": self.run_as.pw_gid, "extra_groups": []} if self.run_as else {}
        proc = subprocess.run([str(self.bin / tool), *args], capture_output=True, text=True, timeout=timeout,
                              cwd=self.dir, **kwargs)
        if proc.returncode:
            raise ServerUnavailable(f"{tool} failed: {proc.stderr.strip() or proc.stdout.strip()}")
        return proc.stdout

    def start(self) -> PostgresServer:
        """Start (again) on a free port; the same port when it was running before."""
        for _attempt in range(3):
            port = self.port or _free_port()
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "30",
                          "-o", f"-p {port}", "start")
            except ServerUnavailable:
                if self.port:  # the same port again: someone took it meanwhile
                    self.port = 0
                continue
            self.port = port
            return self
        log = (self.dir / "log").read_text(errors="replace")[-2000:] if (self.dir / "log").exists() else ""
        raise ServerUnavailable(f"PostgreSQL would not start:\n{log}")

    def stop(self) -> None:
        if self.running():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=USER, password=PASSWORD, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
