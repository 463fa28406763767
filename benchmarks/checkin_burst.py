"""How fast pupils' check-in answers are saved, against two baselines in the same server.

    .venv/bin/python benchmarks/checkin_burst.py                 # SQLite, and PostgreSQL if
                                                                 # CMT_TEST_DATABASE_URL is set
    .venv/bin/python benchmarks/checkin_burst.py --quick         # skip the paced minute
    .venv/bin/python benchmarks/checkin_burst.py --write-results # append to RESULTS.md

For each database it starts gunicorn as the README deploys it (4 sync workers, no access
log; `--workers` and `--server-threads` try others) with CMT_BENCHMARK_ENDPOINTS=1 and
measures, in one run and one server:

1. `hello`: GET /_benchmark/hello, the cheapest response the server gives;
2. `bare insert`: POST /_benchmark/insert/<id>, one answer-set row inserted and committed
   the way the pupil's submit commits (one statement in autocommit on PostgreSQL, a BEGIN
   IMMEDIATE transaction on SQLite), with no form, token, cookie, cap or page: the floor
   under a real submission, and the goal's baseline;
3. `check-in`: the real pupil submit, POST /join/<code>: the answer form validated with its
   CSRF token, the device cookie read, the row stored under the cap with BEGIN IMMEDIATE
   (SQLite) or a row lock in one autocommit statement (PostgreSQL), the closing screen with
   the school's help contacts rendered, the device cookie set. Each submission is a new
   device sending the form it loaded (its session cookie, its submission id and the form
   token bound to that id: one loaded page sends one answer set), the forms loaded before
   the timing starts. 30 submissions to each of as many check-ins as the rounds
   need (3,000 by default, to 100 check-ins), every one checked to be stored exactly once.
   On PostgreSQL also `bare insert, BEGIN/COMMIT`: POST /_benchmark/insert-in-transaction/<id>,
   the same row in a transaction of its own through the ORM session (BEGIN, INSERT and
   COMMIT: three round trips where autocommit takes one), as earlier runs measured it.
4. `check-in, paced`: 1,500 submissions spread evenly over 60 seconds (25 a second), the
   "whole school answers within a minute" case: latency when not saturated.

Phases 1-3 run at full speed (16 client threads, each keeping its connection open where the
server does: sync workers close it after every response, as a proxy in front of them does
too). The client runs on the same machine as the server and competes with it for the CPU, as
any single-box run does.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from cmt_schools import create_app  # noqa: E402
from cmt_schools.accounts import services as accounts  # noqa: E402
from cmt_schools.checkins import services as checkins  # noqa: E402
from cmt_schools.checkins.models import AnswerSet  # noqa: E402
from cmt_schools.database import begin_write  # noqa: E402
from cmt_schools.extensions import db  # noqa: E402
from cmt_schools.scheduling.models import SchoolClass  # noqa: E402

RESULTS = Path(__file__).parent / "RESULTS.md"
ANSWERS = {"w1": "2", "w2": "3", "c1": "4", "c2": "2", "s1": "4", "g1": "5"}
SAVED = b"Your answers are saved."
IN_TRANSACTION = "bare insert, BEGIN/COMMIT"
SECRET = "benchmark-secret-key-" + "z" * 32


@dataclass
class Phase:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    failures: int
    server_cpu_seconds: float = 0.0
    database_cpu_seconds: float = 0.0

    @property
    def cpu_ms(self) -> float:
        """The app server's CPU time (all gunicorn processes) per request."""
        return self.server_cpu_seconds * 1000 / self.requests

    @property
    def database_cpu_ms(self) -> float:
        """PostgreSQL's CPU time (its server processes on this machine) per request."""
        return self.database_cpu_seconds * 1000 / self.requests

    @property
    def rate(self) -> float:
        return (self.requests - self.failures) / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Client(threading.local):
    """One keep-alive connection per client thread."""

    fresh = False  # a class attribute: threading.local re-runs __init__ per thread

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.connection = None

    def request(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple:
        if self.fresh and self.connection is not None:
            self.connection.close()
            self.connection = None
        for attempt in (1, 2):
            reused = self.connection is not None
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers)
            except ConnectionError:
                # The server had closed an idle kept-alive connection before we sent
                # anything, so nothing was received: sending again on a new one is safe.
                self.connection.close()
                self.connection = None
                if attempt == 2 or not reused:
                    raise
                continue
            try:
                response = self.connection.getresponse()
                return response.status, response.read(), response.getheaders()
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2 or method == "POST":
                    raise
        raise RuntimeError("unreachable")


class FreshClient(Client):
    """A new connection for every request, as every pupil's device makes its own."""

    fresh = True


def timed(client: Client, method: str, path: str, body=None, headers=None, expect=None):
    started = time.perf_counter()
    try:
        status, payload, _ = client.request(method, path, body, headers or {})
        ok = status == 200 and (expect is None or expect in payload)
    except (http.client.HTTPException, ConnectionError, OSError):
        ok = False
    return (time.perf_counter() - started) * 1000, ok


SERVER_PID = 0


def _processes_cpu_seconds(wanted) -> float:
    """CPU time used so far by the processes `wanted(pid, parent, name)` picks (Linux /proc)."""
    if not Path("/proc").is_dir():
        return 0.0
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            name, rest = Path(f"/proc/{entry}/stat").read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = rest.split()
        if wanted(int(entry), int(fields[1]), name):
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds() -> float:
    """CPU time used so far by gunicorn's master and workers."""
    if not SERVER_PID:
        return 0.0
    return _processes_cpu_seconds(lambda pid, parent, _: SERVER_PID in (pid, parent))


def database_cpu_seconds() -> float:
    """CPU time used so far by PostgreSQL's processes, when it runs on this machine (its
    backends for the app's pooled connections live as long as the phase)."""
    return _processes_cpu_seconds(lambda _pid, _parent, name: name == "postgres")


def measured_phase(name: str, jobs: list, run: Callable[[float], list]) -> Phase:
    """Times `run` (given the moment it starts; it returns each job's (latency, ok)) and the
    CPU the server and the database spend meanwhile."""
    cpu, database_cpu = server_cpu_seconds(), database_cpu_seconds()
    started = time.perf_counter()
    outcomes = run(started)
    seconds = time.perf_counter() - started
    return Phase(
        name,
        len(jobs),
        seconds,
        [o[0] for o in outcomes],
        sum(not o[1] for o in outcomes),
        server_cpu_seconds() - cpu,
        database_cpu_seconds() - database_cpu,
    )


def run_phase(name: str, jobs: list, client: Client, threads: int) -> Phase:
    def all_at_once(_started: float) -> list:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(lambda job: timed(client, *job), jobs))

    return measured_phase(name, jobs, all_at_once)


def run_paced(name: str, jobs: list, client: Client, seconds: float) -> Phase:
    """Each job starts at its own moment, evenly spread over `seconds`, each on a new
    connection as every pupil's device makes its own."""
    interval = seconds / len(jobs)

    def spread(started: float) -> list:
        outcomes: list = [None] * len(jobs)

        def at(index: int) -> None:
            delay = started + index * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            outcomes[index] = timed(client, *jobs[index])

        with ThreadPoolExecutor(max_workers=64) as pool:
            list(pool.map(at, range(len(jobs))))
        return outcomes

    return measured_phase(name, jobs, spread)


def prepare_database(
    url: str, instance: Path, full_checkins: int
) -> tuple[int, list[str], list[str]]:
    """Tables, a school, check-ins for the full-speed phase (`full_checkins`) and for the
    paced minute (50), and one for bare inserts."""
    app = create_app(
        {"TESTING": True, "SECRET_KEY": SECRET, "INSTANCE_PATH": str(instance), "DATABASE_URL": url}
    )
    with app.app_context():
        db.create_all()
        school = accounts.create_school("Benchmark School", "england")
        teacher = accounts.create_user(
            school, email="t@bench.example", name="Teacher", role="teacher", password=None
        )
        now = datetime.now(UTC)

        def open_one(size: int):
            # A class of its own for each: a class has one term check-in open at a time.
            begin_write()
            school_class = SchoolClass(
                school_id=school.id, teacher_id=teacher.id, name="8B", year_group=8
            )
            db.session.add(school_class)
            db.session.commit()
            return checkins.open_checkin(
                school_class,
                kind="baseline",
                minutes=1440,
                class_size=size,
                opened_by=teacher,
                now=now,
            )

        bare = open_one(60).id
        full = [open_one(40).join_code for _ in range(full_checkins)]
        paced = [open_one(30).join_code for _ in range(50)]
        db.session.remove()
        db.engine.dispose()
    return bare, full, paced


def start_server(
    url: str, instance: Path, workers: int, server_threads: int
) -> tuple[subprocess.Popen, int, Path]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = instance / "server.log"
    env = {
        **os.environ,
        "CMT_INSTANCE_PATH": str(instance),
        "CMT_DATABASE_URL": url,
        "CMT_SECRET_KEY": SECRET,
        "CMT_LOCAL_DEVELOPMENT": "true",
        "CMT_BENCHMARK_ENDPOINTS": "1",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            *("--workers", str(workers), "--threads", str(server_threads)),
            *("--bind", f"127.0.0.1:{port}", "cmt_schools.wsgi:app"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process, port, log
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start:\n" + log.read_text())


def form_for(client: Client, code: str) -> tuple[str, str, str]:
    """Load the check-in page, as a pupil's device does: its session cookie, the form's
    submission id and the CSRF token bound to that id."""
    status, body, headers = client.request("GET", f"/join/{code}", None, {})
    assert status == 200, status
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    submission = re.search(rb'name="submission_id" type="hidden" value="([^"]+)"', body).group(1)
    cookie = next(
        value.split(";", 1)[0]
        for name, value in headers
        if name.lower() == "set-cookie" and value.startswith("cmt_session=")
    )
    return cookie, token.decode(), submission.decode()


def submissions(client: Client, codes: list[str], per_code: int) -> tuple[list, list[str]]:
    """One loaded form per submission (untimed), ready to send."""
    jobs, ids = [], []
    for code in codes:
        for _ in range(per_code):
            cookie, token, submission_id = form_for(client, code)
            ids.append(submission_id)
            body = urllib.parse.urlencode(
                {"csrf_token": token, "submission_id": submission_id, **ANSWERS}
            ).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
            jobs.append(("POST", f"/join/{code}", body, headers, SAVED))
    return jobs, ids


def stored(url: str, ids: list[str]) -> int:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        found = 0
        for start in range(0, len(ids), 500):
            found += connection.execute(
                select(func.count())
                .select_from(AnswerSet)
                .where(AnswerSet.id.in_(ids[start : start + 500]))
            ).scalar()
    engine.dispose()
    return found


def merged(name: str, parts: list[Phase]) -> Phase:
    return Phase(
        name,
        sum(p.requests for p in parts),
        sum(p.seconds for p in parts),
        [ms for p in parts for ms in p.latencies_ms],
        sum(p.failures for p in parts),
        sum(p.server_cpu_seconds for p in parts),
        sum(p.database_cpu_seconds for p in parts),
    )


def bench(
    backend: str,
    url: str,
    workers: int,
    server_threads: int,
    threads: int,
    quick: bool,
    rounds: int,
    per_round: int,
) -> tuple[list[Phase], list[float]]:
    """The phases, each `rounds` x `per_round` requests in interleaved rounds (so a change
    in the machine's background load falls on all three alike), and each round's ratio."""
    instance = Path(tempfile.mkdtemp(prefix=f"cmt-bench-{backend}-"))
    full_checkins = -(-rounds * per_round // 30)
    bare, full_codes, paced_codes = prepare_database(url, instance, full_checkins)
    process, port, log = start_server(url, instance, workers, server_threads)
    global SERVER_PID
    SERVER_PID = process.pid
    client = Client("127.0.0.1", port)
    hello = ("GET", "/_benchmark/hello", None, None)
    insert = ("POST", f"/_benchmark/insert/{bare}", b"", {"Content-Length": "0"})
    in_transaction = (
        "POST",
        f"/_benchmark/insert-in-transaction/{bare}",
        b"",
        {"Content-Length": "0"},
    )
    parts: dict[str, list[Phase]] = {"hello": [], "bare insert": [], "check-in": []}
    if backend == "postgresql":  # on SQLite the two bare inserts are the same
        parts[IN_TRANSACTION] = []
    ratios = []
    try:
        run_phase("warm-up", [hello] * 300, client, threads)
        jobs, _ = submissions(client, full_codes[:1], 5)
        run_phase("warm-up", jobs, client, threads)
        # Each round sends every check-in its share, interleaved as a school's classes are.
        all_jobs, all_ids = submissions(client, full_codes, 30)
        order = [i * 30 + j for j in range(30) for i in range(len(full_codes))]
        all_jobs = [all_jobs[k] for k in order]
        all_ids = [all_ids[k] for k in order]
        for number in range(rounds):
            parts["hello"].append(run_phase("hello", [hello] * per_round, client, threads))
            parts["bare insert"].append(
                run_phase("bare insert", [insert] * per_round, client, threads)
            )
            if IN_TRANSACTION in parts:
                parts[IN_TRANSACTION].append(
                    run_phase(IN_TRANSACTION, [in_transaction] * per_round, client, threads)
                )
            chunk = all_jobs[number * per_round : (number + 1) * per_round]
            parts["check-in"].append(run_phase("check-in", chunk, client, threads))
            ratios.append(parts["check-in"][-1].rate / parts["bare insert"][-1].rate)
        phases = [merged(name, found) for name, found in parts.items()]
        sent = all_ids[: per_round * rounds]
        saved_ok = len(sent) - next(p for p in phases if p.name == "check-in").failures
        assert stored(url, sent) == saved_ok, "an acknowledged answer set is missing"
        if not quick:
            jobs, ids = submissions(client, paced_codes, 30)
            order = [i * 30 + j for j in range(30) for i in range(len(paced_codes))]
            paced = run_paced("check-in, paced 25/s", [jobs[k] for k in order], client, 60.0)
            phases.append(paced)
            assert stored(url, ids) == len(ids) - paced.failures
    finally:
        process.terminate()
        process.wait(timeout=15)
    server_log = log.read_text(errors="replace")
    if "database is locked" in server_log or "Traceback" in server_log:
        print(server_log[-3000:], file=sys.stderr)
        raise SystemExit(f"{backend}: the server log shows errors")
    return phases, ratios


def fresh_postgres(server_url: str) -> tuple[str, callable]:
    name = "cmt_bench_" + secrets.token_hex(4)
    admin = create_engine(
        server_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server_url.rsplit("/", 1)[0] + "/" + name, drop


def report(results: dict[str, list[Phase]], ratios: dict[str, list[float]], config: str) -> str:
    load = os.getloadavg()
    lines = [
        f"### {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load average {load[0]:.1f}, Python {platform.python_version()}; {config}",
        "",
        "| database | phase | requests | failed | per second | p50 ms | p99 ms "
        "| server CPU ms | database CPU ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, phases in results.items():
        for phase in phases:
            lines.append(
                f"| {backend} | {phase.name} | {phase.requests} | {phase.failures} | "
                f"{phase.rate:.0f} | {phase.percentile(0.5):.1f} | {phase.percentile(0.99):.1f} | "
                f"{phase.cpu_ms:.2f} | "
                + (f"{phase.database_cpu_ms:.2f} |" if backend == "postgresql" else "- |")
            )
    lines.append("")
    for backend, phases in results.items():
        by_name = {phase.name: phase for phase in phases}
        ratio = by_name["check-in"].rate / by_name["bare insert"].rate
        each = ", ".join(f"{r:.0%}" for r in ratios[backend])
        lines.append(
            f"- {backend}: the check-in path saves {by_name['check-in'].rate:.0f} answer sets a "
            f"second, {ratio:.0%} of the bare insert's {by_name['bare insert'].rate:.0f} "
            f"(rounds: {each}; median {statistics.median(ratios[backend]):.0%}; "
            "goal: 80% or more)."
        )
        if IN_TRANSACTION in by_name:
            other = by_name[IN_TRANSACTION]
            lines.append(
                f"- {backend}: against the bare insert in a BEGIN/COMMIT transaction "
                f"({other.rate:.0f} a second), the check-in path runs at "
                f"{by_name['check-in'].rate / other.rate:.0%}."
            )
        if "check-in, paced 25/s" in by_name:
            paced = by_name["check-in, paced 25/s"]
            lines.append(
                f"- {backend}: 1,500 answer sets arriving over a minute: p99 "
                f"{paced.percentile(0.99):.0f} ms (goal: under 100 ms), {paced.failures} failed."
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    # The README's deployment: `gunicorn --workers 4`, sync workers (one thread each).
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--server-threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--threads", type=int, default=16, help="client threads")
    parser.add_argument("--quick", action="store_true", help="skip the paced minute")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved rounds per phase")
    parser.add_argument("--per-round", type=int, default=500, help="requests per phase and round")
    parser.add_argument("--write-results", action="store_true", help="append to RESULTS.md")
    args = parser.parse_args()
    results: dict[str, list[Phase]] = {}
    ratios: dict[str, list[float]] = {}
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    postgres_server = os.environ.get("CMT_BENCH_DATABASE_URL") or os.environ.get(
        "CMT_TEST_DATABASE_URL"
    )

    def bench_on(backend: str, url: str) -> None:
        results[backend], ratios[backend] = bench(
            backend,
            url,
            args.workers,
            args.server_threads,
            args.threads,
            args.quick,
            args.rounds,
            args.per_round,
        )

    for backend in backends:
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="cmt-bench-db-"))
            bench_on(backend, f"sqlite:///{folder / 'bench.sqlite3'}")
        elif postgres_server:
            url, drop = fresh_postgres(postgres_server)
            try:
                bench_on(backend, url)
            finally:
                drop()
        else:
            print("PostgreSQL skipped: set CMT_TEST_DATABASE_URL", file=sys.stderr)
    server = (
        f"{args.workers} sync workers"
        if args.server_threads == 1
        else f"{args.workers} workers x {args.server_threads} threads"
    )
    config = (
        f"gunicorn {server}, "
        f"{args.threads} client threads, "
        f"{args.rounds} rounds of {args.per_round} requests per phase"
    )
    text_report = report(results, ratios, config)
    print(text_report)
    if args.write_results:
        with RESULTS.open("a") as handle:
            handle.write("\n" + text_report)


if __name__ == "__main__":
    main()
