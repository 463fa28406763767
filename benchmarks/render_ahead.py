"""Nobody waits for a PDF: how long from a click to the file, and how long a web worker is
busy for it, with packs and summaries rendered ahead by the worker.

    .venv/bin/python benchmarks/render_ahead.py                  # SQLite; updates RESULTS.md
    .venv/bin/python benchmarks/render_ahead.py --postgresql     # PostgreSQL (or set
                                                                 # CMT_TEST_DATABASE_URL)
    .venv/bin/python benchmarks/render_ahead.py --quick          # 3 rounds, 10 s waits, no file

The deployment as the README runs it: gunicorn with 4 sync workers and `cmt worker` beside
it, on the demo school (8 classes). In each round a teacher changes their class's plan (a
lesson moved, a lesson's record: the term pack and the school's summary change), waits a
realistic minute, then downloads the class's term pack, and the lead the term summary
(each round's change is new: a lesson moved on a day, a lesson's steps re-recorded):
"click to file" is the time from the first request to the PDF's last byte, following the
progress page's refreshes if the file is not ready; a web worker's time is gunicorn's own
measure of each request (its access log, written for this benchmark with no path or
address). Then the same again with no wait at all (the cold case): the click-to-file time
is then a render's, and what matters is that no request holds a web worker while it
happens.

Baselines, measured in the same run: the same files rendered in the request, as every
download was before (the time a user waited then), and a request that renders nothing
(`/healthz`) for a web worker's busy time.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import machine, write_section  # noqa: E402 - needs ROOT on the path

PASSWORD = "a calm green kettle"
SECTION_START = "<!-- render-ahead:start -->"
SECTION_END = "<!-- render-ahead:end -->"
GOAL_CLICK_P95 = 0.2
GOAL_BUSY = 0.1
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def environment(folder: Path, database_url: str) -> dict:
    return {
        **os.environ,
        "CMT_INSTANCE_PATH": str(folder / "instance"),
        "CMT_DATABASE_URL": database_url,
        "CMT_SECRET_KEY": "benchmark-" + "r" * 40,
        "CMT_LOCAL_DEVELOPMENT": "true",
        "CMT_RENDER_AHEAD_DELAY_SECONDS": "5",
    }


def app_for(env: dict):
    from cmt_schools import create_app

    return create_app(
        {
            "INSTANCE_PATH": env["CMT_INSTANCE_PATH"],
            "DATABASE_URL": env["CMT_DATABASE_URL"],
            "SECRET_KEY": env["CMT_SECRET_KEY"],
            "RENDER_AHEAD_DELAY_SECONDS": 5,
        }
    )


def new_postgres_database(server_url: str) -> tuple[str, callable]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"cmt_bench_render_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return server.set(database=name).render_as_string(hide_password=False), drop


def seed(app) -> tuple[int, str]:
    """The demo school; returns a class of teacher1's with lessons to come, and its name."""
    from sqlalchemy import select

    from cmt_schools.demo import seed_demo
    from cmt_schools.extensions import db
    from cmt_schools.scheduling.models import LessonOccurrence, SchoolClass

    with app.app_context():
        db.create_all()
        demo = seed_demo(password=PASSWORD, today=datetime.now(UTC).date())
        db.session.commit()
        teacher = demo.teachers[0]
        classes = db.session.scalars(
            select(SchoolClass).where(SchoolClass.teacher_id == teacher.id)
        ).all()
        for school_class in classes:
            to_come = db.session.scalars(
                select(LessonOccurrence).where(
                    LessonOccurrence.class_id == school_class.id,
                    LessonOccurrence.status == "scheduled",
                )
            ).all()
            if len(to_come) >= 2:
                return school_class.id, school_class.name
    raise SystemExit("the demo school has no class with lessons to come")


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def wait_until_idle(app, timeout: float = 900) -> float:
    """Seconds until the worker has nothing waiting, scheduled or being rendered."""
    from cmt_schools.renders import queue_of

    queue = queue_of(app)
    started = time.monotonic()
    idle_reads = 0
    while time.monotonic() - started < timeout:
        status = queue.status()
        claims = [key for key in queue.huey.storage.result_items() if key.startswith("render:")]
        idle_reads = (
            idle_reads + 1 if not (status["waiting"] or status["scheduled"] or claims) else 0
        )
        if idle_reads >= 3:
            return time.monotonic() - started
        time.sleep(1)
    raise SystemExit("the worker did not finish in time")


def signed_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/login", timeout=30)
    token = TOKEN.search(page.text).group(1)
    response = session.post(
        base + "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return session


class ServerTimes:
    """Each request's time in its gunicorn worker, read from the benchmark server's log."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.offset = 0

    def since_last(self) -> list[float]:
        return [seconds for seconds, _bytes, _pid in self.requests_since_last()]

    def requests_since_last(self) -> list[tuple[float, int, int]]:
        """(seconds in the worker, bytes sent, the worker's process id) of each request
        (gunicorn writes the id as `<1234>`)."""
        with self.log.open() as handle:
            handle.seek(self.offset)
            lines = handle.readlines()
            self.offset = handle.tell()
        fields = [line.split() for line in lines]
        return [
            (int(f[1]) / 1000, int(f[2]) if f[2].isdigit() else 0, int(f[3].strip("<>")))
            for f in fields
            if len(f) == 4
        ]


def download(session: requests.Session, url: str) -> tuple[float, list[float], bool]:
    """(click to file, each request's time, whether the first answer was the file)."""
    started = time.perf_counter()
    times = []
    target = url
    while True:
        sent = time.perf_counter()
        response = session.get(target, timeout=120)
        times.append(time.perf_counter() - sent)
        if response.headers.get("Content-Type", "").startswith("application/pdf"):
            assert response.content.startswith(b"%PDF-")
            return time.perf_counter() - started, times, len(times) == 1
        assert response.status_code in (200, 202), (response.status_code, response.text[:300])
        found = re.search(r'http-equiv="refresh" content="(\d+); url=([^"]+)"', response.text)
        assert found, response.text[:500]
        time.sleep(int(found.group(1)))
        target = url.split("/", 3)[0] + "//" + url.split("/", 3)[2] + found.group(2)


def change_plan(app, class_id: int, round_number: int) -> None:
    """A change to both files, new in every round (a file made in an earlier round must not
    serve a later one): the class's last lesson to come moved a school day on (its term
    pack shows the date), and its first lesson re-recorded with another tally of its steps
    (the summary counts them). `round_number` counts every round of the run."""
    from sqlalchemy import select

    from cmt_schools.accounts.models import User
    from cmt_schools.core.services import ServiceError
    from cmt_schools.curriculum.loader import load_curriculum
    from cmt_schools.extensions import db
    from cmt_schools.runner.services import Viewer, record_delivery
    from cmt_schools.scheduling.models import LessonOccurrence, SchoolClass
    from cmt_schools.scheduling.services.changes import move_occurrence

    today = datetime.now(UTC).date()
    with app.app_context():
        school_class = db.session.get(SchoolClass, class_id)
        teacher = db.session.get(User, school_class.teacher_id)
        lessons = db.session.scalars(
            select(LessonOccurrence)
            .where(LessonOccurrence.class_id == class_id)
            .order_by(LessonOccurrence.position)
        ).all()
        last = [lesson for lesson in lessons if lesson.status == "scheduled"][-1]
        for days_on in range(1, 15):  # the next day it may move to (not a closure)
            try:
                move_occurrence(
                    last,
                    day=last.scheduled_on + timedelta(days=days_on),
                    starts_at=last.starts_at,
                    today=today,
                    user=teacher,
                    confirmed=True,
                )
                break
            except ServiceError:
                db.session.rollback()
        else:
            raise SystemExit("the class's last lesson could not be moved")
        first = lessons[0]
        steps = len(load_curriculum().lesson(first.lesson_key).steps)
        # A new tally of the steps taught, shortened and skipped in every round: the
        # summary counts those (the minutes a lesson took it does not show).
        tallies = [
            (taught, shortened, steps - taught - shortened)
            for taught in range(steps, 0, -1)
            for shortened in range(steps - taught + 1)
        ]
        taught, shortened, skipped = tallies[(1 + round_number) % len(tallies)]
        record_delivery(
            first.id,
            Viewer(user_id=teacher.id, school_id=school_class.school_id, role="teacher"),
            delivered_on=min(first.scheduled_on, today),
            minutes_taken=30,
            outcomes=["taught"] * taught + ["shortened"] * shortened + ["skipped"] * skipped,
            note="",
            today=today,
        )
        db.session.remove()


def inline_render_seconds(app, class_id: int) -> tuple[float, float]:
    """The baseline: this class's term pack and the summary rendered as a request used to."""
    from cmt_schools.accounts.models import School
    from cmt_schools.extensions import db
    from cmt_schools.packs.ahead import term_pack_job
    from cmt_schools.renders.jobs import render
    from cmt_schools.reports.ahead import current_summary
    from cmt_schools.scheduling.models import SchoolClass

    with app.app_context(), app.test_request_context("/"):
        school_class = db.session.get(SchoolClass, class_id)
        school = db.session.get(School, school_class.school_id)
        pack = term_pack_job(school, school_class)
        summary = next(current_summary(school.id))
        started = time.perf_counter()
        render(pack)
        pack_seconds = time.perf_counter() - started
        started = time.perf_counter()
        render(summary)
        summary_seconds = time.perf_counter() - started
        db.session.remove()
    return pack_seconds, summary_seconds


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return max(values)
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def run(backend: str, database_url: str, rounds: int, wait: float, folder: Path) -> dict:
    env = environment(folder, database_url)
    app = app_for(env)
    class_id, class_name = seed(app)
    port = 5400 + secrets.randbelow(400)
    base = f"http://127.0.0.1:{port}"
    server = start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            # Status, milliseconds in the worker, size and the worker's process id: no
            # path, address or time of day.
            "--access-logfile",
            str(folder / "access.log"),
            "--access-logformat",
            "%(s)s %(M)s %(B)s %(p)s",
            "cmt_schools.wsgi:app",
        ],
        env,
        folder / f"server-{backend}.log",
    )
    worker = start(
        [sys.executable, "-m", "flask", "--app", "app", "cmt", "worker"],
        env,
        folder / f"worker-{backend}.log",
    )
    try:
        for _ in range(120):
            try:
                if requests.get(base + "/healthz", timeout=2).json()["render_worker"] == "ok":
                    break
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.5)
        warm = wait_until_idle(app)
        teacher = signed_in(base, "teacher1@oakfield.example")
        lead = signed_in(base, "lead@oakfield.example")
        pack_url = f"{base}/packs/class/{class_id}/term.pdf"
        summary_url = f"{base}/reports/term-summary.pdf"
        result = {"warm_seconds": warm, "class": class_name}
        server_times = ServerTimes(folder / "access.log")
        served_before: set[tuple[int, str]] = set()  # (web worker, what) served already
        longest: list[tuple[float, str, str, bool, int]] = []
        for case_number, (case, pause) in enumerate((("after a minute", wait), ("at once", 0.0))):
            clicks, busy, first_hit, inline = [], [], [], []
            for number in range(rounds):
                change_plan(app, class_id, case_number * rounds + number)
                time.sleep(pause)
                server_times.since_last()
                for what, session, url in (
                    ("term pack", teacher, pack_url),
                    ("term summary", lead, summary_url),
                ):
                    click, _times, hit = download(session, url)
                    clicks.append(click)
                    first_hit.append(hit)
                    for seconds, size, pid in server_times.requests_since_last():
                        busy.append(seconds)
                        # The log holds no path or type: a progress page is a few KB, a
                        # file at least 100 KB (a pack 670 KB, a summary 122 KB).
                        part = what if size > 20_000 else f"{what}'s progress page"
                        first = (pid, part) not in served_before
                        served_before.add((pid, part))
                        longest.append((seconds, case, part, first, size))
                wait_until_idle(app)
                inline.append(inline_render_seconds(app, class_id))
            result[case] = {
                "clicks": clicks,
                "busy": busy,
                "hits": sum(first_hit),
                "downloads": len(first_hit),
                "inline_pack": [pack for pack, _ in inline],
                "inline_summary": [summary for _, summary in inline],
            }
        server_times.since_last()
        for _ in range(30):
            requests.get(base + "/healthz", timeout=10)
        result["healthz"] = server_times.since_last()
        result["longest"] = sorted(longest, reverse=True)[:4]
        return result
    finally:
        for process in (worker, server):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def describe_longest(longest: list[tuple[float, str, str, bool, int]]) -> str:
    described = []
    for seconds, case, part, first, size in longest:
        first_note = ", the first of its kind in its web worker" if first else ""
        described.append(f"{ms(seconds)} ms ({part}, {case}, {size / 1000:,.0f} KB{first_note})")
    return "; ".join(described)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def report(results: dict, rounds: int, wait: float) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    lines = [
        SECTION_START,
        "## Rendering ahead: click to file (`benchmarks/render_ahead.py`)",
        "",
        f"Measured {now} on {machine()}, load average {load:.1f} at the end. gunicorn 4 sync",
        f"workers and `cmt worker` (2 threads), the demo school; {rounds} rounds per case, each",
        "a plan change (a lesson moved a day on, a taught lesson's steps re-recorded), then",
        "the teacher's term pack and the",
        f"lead's term summary downloaded, {wait:.0f} s later or at once. Times in ms.",
        "",
        "| database | case | downloads | ready at the first click | click to file p50 | p95 | "
        "longest in a web worker | rendered in the request (before) p50 | click-to-file / before |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for backend, result in results.items():
        for case in ("after a minute", "at once"):
            data = result[case]
            before = statistics.median(data["inline_pack"] + data["inline_summary"])
            click_p50 = statistics.median(data["clicks"])
            lines.append(
                f"| {backend} | {case} | {data['downloads']} | {data['hits']} | {ms(click_p50)} | "
                f"{ms(p95(data['clicks']))} | {ms(max(data['busy']))} | {ms(before)} | "
                f"{click_p50 / before:.3f} |"
            )
        minute = result["after a minute"]
        longest = max(max(result[case]["busy"]) for case in ("after a minute", "at once"))
        verdicts.append(
            f"- {backend}: click to file at the 95th percentile after a minute "
            f"{ms(p95(minute['clicks']))} ms (goal under {ms(GOAL_CLICK_P95)} ms: "
            f"**{'met' if p95(minute['clicks']) < GOAL_CLICK_P95 else 'not met'}**); the longest "
            f"any download held a web worker {ms(longest)} ms (goal under {ms(GOAL_BUSY)} ms: "
            f"**{'met' if longest < GOAL_BUSY else 'not met'}**), against "
            f"{ms(statistics.median(result['healthz']))} ms for `/healthz` (median of 30, in its "
            "worker); "
            f"the worker first made the demo school's files in {result['warm_seconds']:.0f} s. "
            f"Longest requests: {describe_longest(result['longest'])}."
        )
    lines += ["", *verdicts, "", SECTION_END, ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds, 10 s waits, no file")
    parser.add_argument("--postgresql", action="store_true", help="PostgreSQL instead")
    parser.add_argument("--both", action="store_true", help="SQLite and PostgreSQL")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--wait", type=float, default=None, help="seconds after the change")
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 10)
    wait = args.wait if args.wait is not None else (10.0 if args.quick else 60.0)
    backends = (
        ["sqlite", "postgresql"]
        if args.both
        else (["postgresql"] if args.postgresql else ["sqlite"])
    )
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            folder = Path(tmp) / backend
            folder.mkdir()
            drop = None
            if backend == "postgresql":
                server = os.environ.get(
                    "CMT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
                )
                url, drop = new_postgres_database(server)
            else:
                url = f"sqlite:///{folder / 'cmt.sqlite3'}"
            try:
                results[backend] = run(backend, url, rounds, wait, folder)
            finally:
                if drop:
                    drop()
    section = report(results, rounds, wait)
    print(section)
    if not args.quick:
        print(f"written to {write_section(section, SECTION_START, SECTION_END)}", file=sys.stderr)


if __name__ == "__main__":
    main()
