"""How staff pages' times and statements change with a school's size, and how many bytes a
pupil's check-in costs in Chromium, on a first visit and a second.

    .venv/bin/python benchmarks/pages.py                 # SQLite; updates RESULTS.md
    .venv/bin/python benchmarks/pages.py --postgresql    # also PostgreSQL (or set
                                                         # CMT_TEST_DATABASE_URL)
    .venv/bin/python benchmarks/pages.py --quick         # fewer rounds, RESULTS.md untouched
    .venv/bin/python benchmarks/pages.py --pupil-only    # only the pupil's bytes, each
                                                         # response listed; replaces only the
                                                         # pupil's table in RESULTS.md
                                                         # (with --quick: untouched)

Schools: the demo school (8 classes: lessons laid out and taught, check-ins released)
grown to 30 and 60 classes by tests/sized_school.py. Every lead page without parameters
(the PDFs aside: benchmarks/packs.py and term_summary.py time those) is requested through
the app in this process (Flask's test client, the lead signed in), warmed three times, then
timed in rounds: in each round every page of every school runs once, in a shuffled order,
so that load from other work on the machine falls on every size alike. Statements are
counted with an SQLAlchemy event listener on the engine.

The pupil's bytes: the 8-class school served by Werkzeug's threaded server, Chromium
(Playwright, /usr/bin/chromium) joins an open check-in by its code, answers and sends;
Chrome DevTools' Network events give each response's bytes on the wire (headers included:
encodedDataLength) and whether it came from the browser's cache. The second visit is the
same browser joining the class's next check-in (the first one closed).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import machine, write_section  # noqa: E402 - needs ROOT on the path

CHROMIUM = os.environ.get("CMT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TODAY = date(2026, 11, 20)
SIZES = (8, 30, 60)
SMALL, LARGE = 8, 60
SECTION_START = "<!-- pages:start -->"
SECTION_END = "<!-- pages:end -->"
PUPIL_HEADING = "### A pupil's check-in in Chromium"
GOAL_RATIO = 1.5
GOAL_FIRST_VISIT, GOAL_SECOND_PAGE = 12 * 1024, 5 * 1024


# ---------------------------------------------------------------- schools


def config(folder: Path, database_url: str, **extra) -> dict:
    return {
        "SECRET_KEY": "benchmark-" + "k" * 32,
        "INSTANCE_PATH": str(folder / "instance"),
        "DATABASE_URL": database_url,
        "SESSION_COOKIE_SECURE": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 8,
        "ARGON2_PARALLELISM": 1,
        **extra,
    }


class Databases:
    """A new database per school: SQLite files in a folder, or PostgreSQL databases made on
    the server and dropped at the end."""

    def __init__(self, folder: Path, server_url: str | None) -> None:
        self.folder, self.server_url, self.made = folder, server_url, []

    def new(self, name: str) -> str:
        if self.server_url is None:
            return f"sqlite:///{self.folder / name}.sqlite3"
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        server = make_url(self.server_url.replace("postgresql://", "postgresql+psycopg://", 1))
        database = f"cmt_bench_{name}_{secrets.token_hex(3)}"
        engine = create_engine(server, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        engine.dispose()
        self.made.append((server, database))
        return server.set(database=database).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        from sqlalchemy import create_engine, text

        for server, database in self.made:
            engine = create_engine(server, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            engine.dispose()


def sized_app(size: int, database_url: str, folder: Path):
    from cmt_schools import create_app
    from cmt_schools.extensions import db
    from tests.sized_school import seed_sized_school

    app = create_app(config(folder, database_url, WTF_CSRF_ENABLED=False))
    with app.app_context():
        db.create_all()
        seed_sized_school(size, today=TODAY)
    return app


def lead_client(app):
    from tests.sized_school import LEAD_EMAIL, PASSWORD

    client = app.test_client()
    response = client.post("/login", data={"email": LEAD_EMAIL, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


# ---------------------------------------------------------------- staff pages


def statements(app, client, page: str) -> int:
    from sqlalchemy import event

    from cmt_schools.extensions import db

    count = [0]

    def counted(*_args):
        count[0] += 1

    with app.app_context():
        engine = db.engine
    assert client.get(page).status_code == 200, page  # warm: what a page keeps is kept
    event.listen(engine, "before_cursor_execute", counted)
    try:
        assert client.get(page).status_code == 200, page
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count[0]


def time_pages(schools: dict, pages: list[str], rounds: int) -> dict:
    """Median ms per (backend, size, page), over `rounds` shuffled rounds."""
    for (_backend, _size), (_app, client) in schools.items():
        for page in pages:
            for _ in range(3):
                assert client.get(page).status_code == 200, page
    times: dict[tuple, list[float]] = {}
    jobs = [(key, page) for key in schools for page in pages]
    rng = random.Random(20)
    for _ in range(rounds):
        rng.shuffle(jobs)
        for key, page in jobs:
            client = schools[key][1]
            started = time.perf_counter()
            response = client.get(page)
            times.setdefault((*key, page), []).append(time.perf_counter() - started)
            assert response.status_code == 200, page
    return {key: statistics.median(values) * 1000 for key, values in times.items()}


# ---------------------------------------------------------------- a pupil in Chromium


def serve(app) -> tuple[str, object]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def open_checkin(app, number: int) -> str:
    """A start-of-term check-in opened for the school's `number`-th class of Years 7-9, its
    earlier ones closed first (a device answers one check-in of a kind at a time)."""
    from sqlalchemy import select

    from cmt_schools.checkins import services
    from cmt_schools.checkins.models import CheckIn
    from cmt_schools.extensions import db
    from cmt_schools.scheduling.models import SchoolClass

    with app.app_context():
        now = datetime.now(UTC)
        for still_open in db.session.scalars(select(CheckIn).where(CheckIn.closed_at.is_(None))):
            services.close_checkin(still_open, now=now, by=still_open.school_class.teacher)
        classes = db.session.scalars(
            select(SchoolClass).where(SchoolClass.year_group.between(7, 9)).order_by(SchoolClass.id)
        ).all()
        school_class = classes[number]
        checkin = services.open_checkin(
            school_class,
            kind="baseline",
            minutes=60,
            class_size=30,
            opened_by=school_class.teacher,
            now=now,
        )
        return checkin.join_code


class Traffic:
    """Every response Chromium receives, from DevTools' Network events."""

    def __init__(self, page) -> None:
        self.requests: dict[str, dict] = {}
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event) -> None:
        redirect = event.get("redirectResponse")
        if redirect:  # the redirect's own response, under the same request id
            self.requests[f"{event['requestId']}-{len(self.requests)}"] = {
                "url": redirect["url"],
                "status": redirect["status"],
                "encoding": "",
                "bytes": redirect.get("encodedDataLength", 0),
            }
        self.requests.setdefault(event["requestId"], {"url": event["request"]["url"]})

    def _received(self, event) -> None:
        response = event["response"]
        headers = {name.lower(): value for name, value in response["headers"].items()}
        entry = self.requests.setdefault(event["requestId"], {})
        entry["url"] = response["url"]
        entry["encoding"] = headers.get("content-encoding", "")
        entry["cached"] = entry.get("cached") or response.get("fromDiskCache", False)
        entry["status"] = response["status"]

    def _from_cache(self, event) -> None:
        self.requests.setdefault(event["requestId"], {})["cached"] = True

    def _finished(self, event) -> None:
        self.requests.setdefault(event["requestId"], {})["bytes"] = event["encodedDataLength"]

    def take(self) -> list[dict]:
        taken = list(self.requests.values())
        self.requests.clear()
        return taken


def pupil_checks_in(page, base_url: str, code: str, traffic: Traffic) -> dict[str, list[dict]]:
    """The pupil's three pages: the join page, the questions, and the saved screen."""
    seen = {}
    page.goto(base_url + "/join")
    page.wait_for_timeout(200)
    seen["join page"] = traffic.take()
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Join").click()
    try:
        page.get_by_role("button", name="Send my answers").wait_for(timeout=15_000)
    except Exception as error:
        raise RuntimeError(f"no questions at {page.url}:\n{page.inner_text('main')}") from error
    page.wait_for_timeout(200)
    seen["questions"] = traffic.take()
    for group in page.locator("fieldset").all():
        group.locator("input[type=radio]").first.check()
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    page.wait_for_timeout(200)
    seen["answers sent"] = traffic.take()
    return seen


def measure_pupil(app) -> dict:
    from playwright.sync_api import sync_playwright

    base_url, server = serve(app)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(locale="en-GB")
            page = context.new_page()
            traffic = Traffic(page)
            first = pupil_checks_in(page, base_url, open_checkin(app, 0), traffic)
            # A week later: the class's next check-in (the first one closed long since).
            second = pupil_checks_in(page, base_url, open_checkin(app, 0), traffic)
            version = browser.version
            browser.close()
    finally:
        server.shutdown()
    return {"first": first, "second": second, "chromium": version}


def visit_summary(visit: dict[str, list[dict]]) -> dict:
    rows = {}
    for step, requests in visit.items():
        on_wire = [r for r in requests if not r.get("cached")]
        rows[step] = {
            "requests": len(requests),
            "from network": len(on_wire),
            "from cache": len(requests) - len(on_wire),
            "bytes": sum(r.get("bytes", 0) for r in on_wire),
            "encodings": sorted({r.get("encoding") or "none" for r in on_wire}),
        }
    return rows


# ---------------------------------------------------------------- the report


def met(done: bool) -> str:
    return "met" if done else "**not met**"


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def is_worker_render(page: str) -> bool:
    """The data export: a download the render worker makes (onboarding/exports.py)."""
    return page.startswith("/school/data/export.zip")


def report(times: dict, counts: dict, backends: list[str], pages: list[str], pupil, plot) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    lines = [
        SECTION_START,
        "## Staff pages and a pupil's bytes (`benchmarks/pages.py`)",
        "",
        f"Measured {now} on {machine()}, "
        f"load average {load:.1f} at the end (the machine is shared). Schools of "
        f"{', '.join(map(str, SIZES))} classes (the demo school, grown). Warm medians in ms "
        "through the app in-process (Flask's test client), shuffled rounds; statements per "
        "request counted on the engine.",
        "",
    ]
    for backend in backends:
        lines += [
            f"### {backend}",
            "",
            "| page | " + " | ".join(f"{s} classes" for s in SIZES) + f" | {LARGE}/{SMALL} "
            f"| statements at {' / '.join(map(str, SIZES))} |",
            "|---|" + "---:|" * (len(SIZES) + 2),
        ]
        worst = 0.0
        for page in pages:
            medians = [times[(backend, size, page)] for size in SIZES]
            ratio = times[(backend, LARGE, page)] / times[(backend, SMALL, page)]
            cell = f"`{page}`"
            if is_worker_render(page):
                cell = f"`{page.split('?')[0]}` (the worker's render, timed in the request)"
            else:
                worst = max(worst, ratio)
            statements = " / ".join(str(counts[(backend, size, page)]) for size in SIZES)
            lines.append(
                f"| {cell} | "
                + " | ".join(f"{m:.1f}" for m in medians)
                + f" | {ratio:.2f} | {statements} |"
            )
        grown = [
            page
            for page in pages
            if counts[(backend, LARGE, page)] != counts[(backend, SMALL, page)]
        ]
        lines += [
            "",
            f"- Worst ratio {LARGE}/{SMALL} classes, pages (the export aside: the worker makes it; "
            f"this benchmark runs none, so each request renders it): {worst:.2f}x (goal at most "
            f"{GOAL_RATIO}x: "
            f"{'met' if worst <= GOAL_RATIO else '**not met**'}). Pages whose statements grow "
            f"with the school: {', '.join(grown) if grown else 'none'}.",
            "",
        ]
    if plot:
        lines += [
            f"![Each page's time against the school's size, as a multiple of its {SMALL}-class "
            f"time]({plot})",
            "",
        ]
    if pupil:
        lines += pupil_report(pupil)
    lines.append(SECTION_END)
    return "\n".join(lines) + "\n"


def pupil_report(pupil: dict) -> list[str]:
    lines = [
        f"{PUPIL_HEADING} {pupil['chromium']}",
        "",
        "Bytes on the wire (headers included) per step; the second visit is the same browser "
        "joining the class's next check-in, the first one closed.",
        "",
        "| visit | step | requests | from the network | from the cache | bytes | encodings |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    totals = {}
    for visit in ("first", "second"):
        summary = visit_summary(pupil[visit])
        totals[visit] = sum(row["bytes"] for row in summary.values())
        for step, row in summary.items():
            lines.append(
                f"| {visit} | {step} | {row['requests']} | {row['from network']} | "
                f"{row['from cache']} | {row['bytes']:,} | {', '.join(row['encodings'])} |"
            )
        lines.append(f"| {visit} | **whole check-in** | | | | **{totals[visit]:,}** | |")
    second_page = visit_summary(pupil["first"])["questions"]["bytes"]
    lines += [
        "",
        f"- Whole check-in on a first visit: {kb(totals['first'])} (goal under "
        f"{kb(GOAL_FIRST_VISIT)}: {met(totals['first'] < GOAL_FIRST_VISIT)}).",
        f"- Second page of a visit (the questions, after the join page): {kb(second_page)} "
        f"(goal under {kb(GOAL_SECOND_PAGE)}: "
        f"{met(second_page < GOAL_SECOND_PAGE)}); the whole second "
        f"visit: {kb(totals['second'])}.",
        "",
    ]
    return lines


def draw_plot(times: dict, backends: list[str], pages: list[str]) -> str | None:
    """Each page's time against the school's size, as a multiple of its 8-class time, with
    the 1.5x goal: benchmarks/pages.png."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    styles = [(m, ls) for ls in ("-", "--", ":") for m in ("o", "s", "^", "D", "v", "x", "*", "P")]
    figure, axes = plt.subplots(
        1, len(backends), figsize=(5 * len(backends) + 3.2, 4.2), squeeze=False, sharey=True
    )
    for axis, backend in zip(axes[0], backends, strict=True):
        for (marker, line), page in zip(styles, pages, strict=False):
            small = times[(backend, SMALL, page)]
            label = page.split("?")[0] + (" (worker's render)" if is_worker_render(page) else "")
            axis.plot(
                SIZES,
                [times[(backend, s, page)] / small for s in SIZES],
                marker=marker,
                linestyle=line,
                markersize=4,
                label=label,
            )
        axis.axhline(GOAL_RATIO, color="black", linewidth=1, linestyle="-.", label="goal (1.5x)")
        axis.set(
            title=backend,
            xlabel="classes in the school",
            ylabel=f"warm median / the {SMALL}-class school's",
        )
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, fontsize=6.5, loc="center right")
    figure.tight_layout(rect=(0, 0, 1 - 2.4 / (5 * len(backends) + 3.2), 1))
    figure.savefig(Path(__file__).with_name("pages.png"), dpi=90)
    plt.close(figure)
    return "pages.png"


def each_response(pupil: dict) -> str:
    """One line per response: where it went, and what it cost."""
    lines = ["visit | step | status | bytes | encoding | cached | path"]
    for visit in ("first", "second"):
        for step, requests in pupil[visit].items():
            for r in requests:
                path = re.sub(r"^https?://[^/]+", "", r.get("url", ""))
                lines.append(
                    f"{visit} | {step} | {r.get('status', '')} | {r.get('bytes', 0)} | "
                    f"{r.get('encoding') or 'none'} | {'yes' if r.get('cached') else 'no'} | "
                    f"{path}"
                )
    return "\n".join(lines)


def write_pupil_results(lines: list[str]) -> Path:
    """Replace the pupil's table inside the pages section, leaving the staff tables."""
    path = Path(__file__).resolve().parent / "RESULTS.md"
    text = path.read_text()
    start, end = text.index(SECTION_START), text.index(SECTION_END)
    at = text.index(PUPIL_HEADING, start, end)
    path.write_text(text[:at] + "\n".join(lines) + "\n" + text[end:])
    return path


def pupil_only(write: bool) -> None:
    """The pupil's bytes alone: a minute's run instead of the staff pages' many."""
    import logging

    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = Databases(folder, None).new(f"sqlite_{SMALL}")
        seeded = sized_app(SMALL, url, folder / "seeded")
        with seeded.app_context():
            from cmt_schools.extensions import db

            db.engine.dispose()
        from cmt_schools import create_app

        served = create_app(config(folder / "served", url))
        served.logger.setLevel(logging.WARNING)
        pupil = measure_pupil(served)
    print(each_response(pupil), file=sys.stderr)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = pupil_report(pupil)
    lines[1:1] = [
        "",
        f"Measured {now} by `pages.py --pupil-only` (the staff tables above are from the "
        "last full run).",
    ]
    print("\n".join(lines))
    if write:
        print(f"written to {write_pupil_results(lines)}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds; no RESULTS.md")
    parser.add_argument("--postgresql", action="store_true", help="PostgreSQL too")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--no-browser", action="store_true", help="skip the pupil's bytes")
    parser.add_argument(
        "--pupil-only",
        action="store_true",
        help="only the pupil's bytes (the 8-class school, SQLite), each response listed; "
        "replaces only the pupil's table in RESULTS.md",
    )
    args = parser.parse_args()
    if args.pupil_only:
        pupil_only(write=not args.quick)
        return
    server_url = os.environ.get("CMT_TEST_DATABASE_URL")
    if args.postgresql and not server_url:
        server_url = "postgresql://postgres@127.0.0.1:5432/postgres"
    backends = ["sqlite"] + (["postgresql"] if server_url else [])
    rounds = args.rounds or (3 if args.quick else 15)
    import logging

    logging.disable(logging.INFO)  # the audit log's lines and the server's request lines
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        databases = {
            "sqlite": Databases(folder, None),
            "postgresql": Databases(folder, server_url),
        }
        try:
            schools = {}
            for backend in backends:
                for size in SIZES:
                    url = databases[backend].new(f"{backend}_{size}")
                    app = sized_app(size, url, folder / f"{backend}-{size}")
                    app.logger.setLevel(logging.WARNING)
                    schools[(backend, size)] = (app, lead_client(app))
                    print(f"seeded {backend} {size} classes", file=sys.stderr)
            from tests.sized_school import lead_pages

            pages = lead_pages(schools[("sqlite", SMALL)][0])
            counts = {
                (*key, page): statements(app, client, page)
                for key, (app, client) in schools.items()
                for page in pages
            }
            times = time_pages(schools, pages, rounds)
            pupil = None
            if not args.no_browser and Path(CHROMIUM).exists():
                from cmt_schools import create_app

                served = create_app(
                    config(
                        folder / "served", str(schools[("sqlite", SMALL)][0].config["DATABASE_URL"])
                    )
                )
                served.logger.setLevel(logging.WARNING)
                pupil = measure_pupil(served)
            plot = None if args.quick else draw_plot(times, backends, pages)
            section = report(times, counts, backends, pages, pupil, plot)
            print(section)
            if not args.quick:
                written = write_section(section, SECTION_START, SECTION_END)
                print(f"written to {written}", file=sys.stderr)
        finally:
            for backend in backends:
                for size in SIZES:
                    if (backend, size) in locals().get("schools", {}):
                        from cmt_schools.extensions import db

                        with schools[(backend, size)][0].app_context():
                            db.engine.dispose()
            databases["postgresql"].drop_all() if server_url else None


if __name__ == "__main__":
    main()
