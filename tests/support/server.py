"""A real `pulse serve` subprocess on a free port with its own temporary SQLite file, for the
tests that need the production shape (Hypercorn, a browser, other processes changing the
database): tests/sdk, tests/live and tests/auth/test_browser_flows.py.

    with pulse_serve(tmp, setup=[("site", "add", "example.com")]) as server:
        server.origin            # http://127.0.0.1:PORT
        server.query("SELECT ...")   # read-only sqlite3, rows as dicts
        server.cli("token", "create", "--admin")   # the CLI against the same database
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, overload

ROOT = Path(__file__).resolve().parents[2]
HEALTHY_WITHIN_S = 30.0
STOP_WITHIN_S = 15.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pulse_cli(env: Mapping[str, str], *args: str, stdin: str | None = None) -> str:
    """Run `pulse ARGS` (python -m app.cli) with `env`; its stdout, or RuntimeError."""
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pulse {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_healthy(origin: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + HEALTHY_WITHIN_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pulse serve exited {proc.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{origin}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"pulse serve not healthy after 30 s:\n{log_path.read_text()}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (graceful: the writer drains), then SIGKILL if it hangs."""
    proc.terminate()
    try:
        proc.wait(timeout=STOP_WITHIN_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class ServerProcess:
    origin: str
    db_path: Path
    log_path: Path
    env: dict[str, str] = field(repr=False)
    proc: subprocess.Popen[bytes] = field(repr=False)
    _admin_token: str = field(default="", repr=False)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in conn.execute(sql, tuple(params))]
        finally:
            conn.close()

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """`pulse ARGS` against this server's database (another process, as an operator's)."""
        return pulse_cli(self.env, *args, stdin=stdin)

    def admin_headers(self) -> dict[str, str]:
        """An admin token's header (made once, with the CLI): e.g. for /readyz's details."""
        if not self._admin_token:
            self._admin_token = self.cli("token", "create", "--admin").split()[-1]
        return {"Authorization": f"Bearer {self._admin_token}"}


S = TypeVar("S", bound=ServerProcess)


Setup = Sequence[Sequence[str]]
Prepare = Callable[[Mapping[str, str]], object] | None


@overload
def pulse_serve(
    tmp: Path, *, setup: Setup = (), prepare: Prepare = None, env: Mapping[str, str] | None = None
) -> AbstractContextManager[ServerProcess]: ...
@overload
def pulse_serve(
    tmp: Path,
    *,
    setup: Setup = (),
    prepare: Prepare = None,
    env: Mapping[str, str] | None = None,
    kind: type[S],
) -> AbstractContextManager[S]: ...
def pulse_serve(
    tmp: Path,
    *,
    setup: Setup = (),
    prepare: Prepare = None,
    env: Mapping[str, str] | None = None,
    kind: type[ServerProcess] = ServerProcess,
) -> AbstractContextManager[ServerProcess]:
    """Migrate a new database in `tmp`, run the `setup` CLI commands (e.g. `site add`) and
    `prepare(env)` (anything else, e.g. a CLI command reading stdin), start `pulse serve` on a
    free port, wait for /healthz; stop it (SIGTERM) afterwards. `kind`: a ServerProcess
    subclass with the package's own helpers."""
    return _serve(tmp, setup, prepare, env or {}, kind)


@contextmanager
def _serve(
    tmp: Path, setup: Setup, prepare: Prepare, env: Mapping[str, str], kind: type[ServerProcess]
) -> Iterator[ServerProcess]:
    db_path = tmp / "pulse.db"
    full_env = {
        **os.environ,
        "PULSE_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
        "PULSE_LOG_LEVEL": "WARNING",
        **env,
    }
    pulse_cli(full_env, "migrate")
    for command in setup:
        pulse_cli(full_env, *command)
    if prepare is not None:
        prepare(full_env)
    port = free_port()
    log_path = tmp / "server.log"
    argv = ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", *argv],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    origin = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(origin, proc, log_path)
        yield kind(origin, db_path, log_path, full_env, proc)
    finally:
        stop(proc)
