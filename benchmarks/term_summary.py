"""How long one school's term summary takes in a big database, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/term_summary.py                    # both backends, 1M and 5M
    .venv/bin/python benchmarks/term_summary.py --backend sqlite --sizes 200000
    CMT_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres ...

For each backend and size it builds a database of 200 schools holding that many answer
sets in total: released figures consistent with that many answer sets (each check-in's
figures are the app's own release, OpenDP noise and all, of `answer_count` generated
answers), the check-ins they belong to, and the lessons, deliveries and delivery steps of
every class. The summary never reads raw answer sets (it reads released figures only), so
no answer_set rows are generated.

Every school's data grows by term: the 1M database holds 2 terms per school, the 5M
database 10. The latest term of every school is generated from the same seed at both
sizes, so the school that is summarised has exactly the same rows at 1M and at 5M; only
the rest of the table grows.

Timed, in the same run over the same rows (median of --repeat runs after one warm-up):
- "bare": one hand-written GROUP BY of the school's term released figures per class,
  kind, measure, statistic and value: the least any summary must do;
- "answer queries": the summary's own statement over check-ins and released figures;
- "all queries": that plus its class, lesson and delivery-step statements;
- "summary": `summarise_term` end to end (queries, disclosure control, statistics);
and for a trust of 40 schools (ids 101 to 140), their latest term:
- "trust bare": one GROUP BY of the 40 schools' term released figures per school, class,
  kind, measure, statistic and value;
- "trust answer queries": the answer statement the trust summary runs for each school;
- "trust summary": the trust's summary end to end (each school's statements, both
  protections, statistics).
Results are appended to benchmarks/RESULTS.md. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cmt_schools import create_app  # noqa: E402
from cmt_schools.checkins import release  # noqa: E402
from cmt_schools.extensions import db  # noqa: E402
from cmt_schools.reports import services, synthetic  # noqa: E402
from cmt_schools.scheduling import services as scheduling_services  # noqa: E402
from cmt_schools.trusts.terms import trust_terms  # noqa: E402

SCHOOLS = 200
CLASSES = 12  # per school
NOW_CHECKS = 6  # right-now checks per class and term, besides the start and end waves
MEAN_ANSWERS = 26  # answer sets per check-in, on average
PER_TERM = SCHOOLS * CLASSES * (2 + NOW_CHECKS) * MEAN_ANSWERS  # 499,200 answer sets
TARGET_SCHOOL = 101
STEPS = ("arrive", "big_idea", "explore", "practise", "reflect", "try_this_week", "close")
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
WORK = ROOT / "benchmarks" / "_work"

BARE = text(
    """
    SELECT c.class_id, c.kind, f.measure, f.statistic, f.value,
           SUM(f.numerator), MAX(f.weight), SUM(f.noise_sd * f.noise_sd)
    FROM released_figure f JOIN check_in c ON c.id = f.check_in_id
    WHERE c.school_id = :school AND c.opened_on BETWEEN :first AND :last
      AND f.measure IN ('worry', 'self_compassion', 's1', 'g1', 'right_now', 'any')
    GROUP BY c.class_id, c.kind, f.measure, f.statistic, f.value
    """
)
FIGURE_COLUMNS = ["id", "check_in_id", "measure", "statistic", "value", "numerator", "weight",
                  "noise_sd"]  # fmt: skip
RELEASE_COLUMNS = ["check_in_id", "mechanism", "protection", "threshold", "released_on"]


# ------------------------------------------------------------------ generating rows


class Templates:
    """Real releases of generated answer sets, reused: generating 5M answers one by one
    would take longer than the benchmark. Every release is the app's own, of its n."""

    def __init__(self, rng: random.Random) -> None:
        self.term: dict[tuple[str, int], list[list[tuple]]] = {}
        self.now: dict[int, list[list[tuple]]] = {}
        for n in range(MEAN_ANSWERS - 6, MEAN_ANSWERS + 7):
            for kind, wave in (("baseline", synthetic.START), ("endpoint", synthetic.END)):
                self.term[(kind, n)] = [
                    self._rows(kind, synthetic.term_answers(rng, n, wave)) for _ in range(12)
                ]
            self.now[n] = [self._rows("now", synthetic.now_answers(rng, n, 2.9)) for _ in range(12)]

    @staticmethod
    def _rows(kind: str, answers) -> list[tuple]:
        figures = release.release(kind, answers, release.LEVELS["standard"])
        return [
            (f.statistic.measure, f.statistic.statistic, f.statistic.value, f.numerator,
             f.weight, f.noise_sd)
            for f in figures
        ]  # fmt: skip

    def pick(self, rng: random.Random, kind: str, n: int):
        pool = self.now[n] if kind == "now" else self.term[(kind, n)]
        return rng.choice(pool)


def term_dates(index_from_latest: int) -> tuple[date, date]:
    """Terms of about 13 weeks, one after another; index 0 is the latest."""
    first = date(2026, 9, 1) - timedelta(weeks=15 * index_from_latest)
    return first, first + timedelta(weeks=13)


def generate(loader, terms: int, templates: Templates) -> int:
    """Generate and load every school's rows; return the number of answer sets."""
    ids = Counter()
    answer_sets = 0
    now = datetime(2026, 1, 1, tzinfo=UTC)
    loader.rows("school", ["id", "name", "nation", "timezone", "suppression_threshold",
                           "protection", "min_wave_size", "retention_months", "trusted_adults",
                           "help_stamp", "created_at"],
                [(s, f"School {s}", "england", "Europe/London", 10, "standard", 30, 24, "",
                  f"{s:032x}", now)
                 for s in range(1, SCHOOLS + 1)])  # fmt: skip
    loader.rows("user", ["id", "school_id", "email", "name", "role", "active",
                         "session_version", "created_at"],
                [(s, s, f"t{s}@bench.example", f"Teacher {s}", "teacher", True, 1, now)
                 for s in range(1, SCHOOLS + 1)])  # fmt: skip
    for school in range(1, SCHOOLS + 1):
        classes, term_rows, checkins, releases, figures = [], [], [], [], []
        lessons, deliveries, steps = [], [], []
        for number in range(CLASSES):
            ids["class"] += 1
            classes.append((ids["class"], school, school, f"{7 + number % 5}{'ABC'[number % 3]}",
                            7 + number % 5, False, now))  # fmt: skip
        first_class = ids["class"] - CLASSES + 1
        for index_from_latest in reversed(range(terms)):
            # The same seed for a school's n-th latest term, whatever the database's size.
            rng = random.Random(school * 1000 + index_from_latest)
            first, last = term_dates(index_from_latest)
            ids["term"] += 1
            term_rows.append((ids["term"], school, f"Term {index_from_latest}", first, last))
            for class_id in range(first_class, first_class + CLASSES):
                kinds = [("baseline", first + timedelta(days=7))]
                kinds += [("now", first + timedelta(weeks=2 + w, days=rng.randrange(5)))
                          for w in range(NOW_CHECKS)]  # fmt: skip
                kinds += [("endpoint", last - timedelta(days=10))]
                for kind, day in kinds:
                    n = rng.randint(MEAN_ANSWERS - 6, MEAN_ANSWERS + 6)
                    ids["check_in"] += 1
                    answer_sets += n
                    checkins.append((ids["check_in"], school, class_id, kind, "ks3",
                                     f"B{ids['check_in']:07d}", day,
                                     datetime(day.year, day.month, day.day, 15, tzinfo=UTC),
                                     40, n))  # fmt: skip
                    releases.append((ids["check_in"], release.MECHANISM, "standard", 10, day))
                    for row in templates.pick(rng, kind, n):
                        ids["figure"] += 1
                        figures.append((ids["figure"], ids["check_in"], *row))
                for position in range(8):
                    day = first + timedelta(weeks=1 + position, days=class_id % 5)
                    status = "delivered" if position < 6 else "scheduled"
                    ids["occurrence"] += 1
                    lessons.append((ids["occurrence"], school, class_id, f"ks3/0{position + 1}",
                                    position, day, datetime(2026, 1, 1, 10).time(), 50, status,
                                    f"{ids['occurrence']:036d}", now, now))  # fmt: skip
                    if status == "delivered":
                        ids["delivery"] += 1
                        deliveries.append((ids["delivery"], school, ids["occurrence"], day, 50,
                                           "", now))  # fmt: skip
                        for step_index, stage in enumerate(STEPS):
                            ids["step"] += 1
                            outcome = "taught" if rng.random() < 0.85 else "shortened"
                            steps.append((ids["step"], ids["delivery"], step_index, stage,
                                          outcome, 3 if stage == "practise" else 0))  # fmt: skip
        loader.rows("school_class", ["id", "school_id", "teacher_id", "name", "year_group",
                                     "archived", "created_at"], classes)  # fmt: skip
        loader.rows("term", ["id", "school_id", "name", "first_day", "last_day"], term_rows)
        loader.rows("check_in", ["id", "school_id", "class_id", "kind", "band", "join_code",
                                 "opened_on", "closes_at", "max_answers", "answer_count"],
                    checkins)  # fmt: skip
        loader.rows("check_in_release", RELEASE_COLUMNS, releases)
        loader.rows("released_figure", FIGURE_COLUMNS, figures)
        loader.rows("lesson_occurrence", ["id", "school_id", "class_id", "lesson_key",
                                          "position", "scheduled_on", "starts_at", "minutes",
                                          "status", "uid", "created_at", "updated_at"],
                    lessons)  # fmt: skip
        loader.rows("delivery", ["id", "school_id", "occurrence_id", "delivered_on",
                                 "minutes_taken", "note", "created_at"], deliveries)  # fmt: skip
        loader.rows("delivery_step", ["id", "delivery_id", "step_index", "stage", "outcome",
                                      "practice_minutes"], steps)  # fmt: skip
    loader.finish(ids)
    return answer_sets


class SqliteLoader:
    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA synchronous = OFF")
        self.connection.execute("PRAGMA foreign_keys = OFF")
        self.connection.execute("BEGIN")

    def rows(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        self.connection.executemany(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks})',  # noqa: S608 - fixed names
            [tuple(_sqlite_value(v) for v in row) for row in rows],
        )

    def finish(self, _ids) -> None:
        self.connection.execute("COMMIT")
        self.connection.execute("ANALYZE")
        self.connection.close()


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # a time
        return value.strftime("%H:%M:%S.%f")
    return value


class PostgresLoader:
    def __init__(self, url: str) -> None:
        import psycopg

        self.connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))

    def rows(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        with (
            self.connection.cursor() as cursor,
            cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def finish(self, _ids) -> None:
        self.connection.commit()
        self.connection.autocommit = True
        for table in ("school", "user", "school_class", "term", "check_in", "released_figure",
                      "lesson_occurrence", "delivery", "delivery_step"):  # fmt: skip
            self.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'),"  # noqa: S608
                f' (SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )
        self.connection.execute("VACUUM ANALYZE")
        self.connection.close()


# ------------------------------------------------------------------ timing


MEASUREMENTS = (
    "bare",
    "answer queries",
    "all queries",
    "summary",
    "trust bare",
    "trust answer queries",
    "trust summary",
)
TRUST_SCHOOLS = range(TARGET_SCHOOL, TARGET_SCHOOL + 40)
TRUST_BARE = text(
    """
    SELECT c.school_id, c.class_id, c.kind, f.measure, f.statistic, f.value,
           SUM(f.numerator), MAX(f.weight), SUM(f.noise_sd * f.noise_sd)
    FROM released_figure f JOIN check_in c ON c.id = f.check_in_id
    WHERE c.school_id BETWEEN :low AND :high AND c.opened_on BETWEEN :first AND :last
      AND f.measure IN ('worry', 'self_compassion', 's1', 'g1', 'right_now', 'any')
    GROUP BY c.school_id, c.class_id, c.kind, f.measure, f.statistic, f.value
    """
)


class Target:
    """One database and the school whose summary is timed, with the things to time."""

    def __init__(self, url: str, instance: Path) -> None:
        from cmt_schools.accounts.models import School

        self.app = create_app(
            {"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "b" * 40,
             "TESTING": True}
        )  # fmt: skip
        self.app.logger.setLevel("WARNING")  # not a line per school the trust adds
        self.context = self.app.app_context()
        self.context.push()
        self.trust_id = self._make_trust()
        self.school = db.session.get(School, TARGET_SCHOOL)
        self.term = scheduling_services.terms_of(self.school.id, newest_first=True)[0]  # the latest
        self.today = self.term.last_day
        every = services.query_params(self.school.id, self.term, self.today)
        self.queries = {
            name: (statement, {key: every[key] for key in keys})
            for name, (statement, keys) in services.SUMMARY_QUERIES.items()
        }
        self.params = {"school": self.school.id, "first": self.term.first_day,
                       "last": self.term.last_day}  # fmt: skip
        self.trust_term = trust_terms([self.term])[0]
        self.trust_params = {**self.params, "low": TRUST_SCHOOLS[0], "high": TRUST_SCHOOLS[-1]}
        self.trust_queries = [
            (
                services.ANSWER_QUERY,
                {"school_id": school_id, "first_day": self.term.first_day,
                 "last_day": self.term.last_day},
            )
            for school_id in TRUST_SCHOOLS
        ]  # fmt: skip
        self.facts = {
            "trust rows": db.session.execute(
                text(
                    "SELECT COUNT(*) FROM released_figure f JOIN check_in c ON c.id ="
                    " f.check_in_id WHERE c.school_id BETWEEN :low AND :high AND c.opened_on"
                    " BETWEEN :first AND :last"
                ),
                self.trust_params,
            ).scalar(),
            "school rows": db.session.execute(
                text(
                    "SELECT COUNT(*) FROM released_figure f JOIN check_in c ON c.id ="
                    " f.check_in_id WHERE c.school_id = :school AND c.opened_on BETWEEN"
                    " :first AND :last"
                ),
                self.params,
            ).scalar(),
            "figure rows": db.session.execute(
                text("SELECT COUNT(*) FROM released_figure")
            ).scalar(),
            "check-ins": db.session.execute(text("SELECT COUNT(*) FROM check_in")).scalar(),
        }
        self.context.pop()

    @staticmethod
    def _make_trust() -> int:
        """A trust holding schools 101 to 140 from long ago (made once per database)."""
        from cmt_schools.accounts.models import School
        from cmt_schools.trusts import services as trusts
        from cmt_schools.trusts.models import Trust

        trust = db.session.scalars(db.select(Trust)).first()
        if trust is None:
            trust = trusts.create_trust("Benchmark Trust")
            for school_id in TRUST_SCHOOLS:
                school = db.session.get(School, school_id)
                trusts.add_school_to_trust(trust, school, sees_from=date(2000, 1, 1))
        trust_id = trust.id
        db.session.remove()
        return trust_id

    def run(self, name: str) -> float:
        if name.startswith("trust"):
            return self.run_trust(name)
        with self.app.app_context():
            connection = db.session.connection()
            started = time.perf_counter()
            if name == "bare":
                connection.execute(BARE, self.params).all()
            elif name == "answer queries":
                connection.execute(*self.queries["answers"]).all()
            elif name == "all queries":
                services.fetch_term_rows(self.school.id, self.term, self.today)
            else:
                services.summarise_term(self.school, self.term, today=self.today)
            elapsed = time.perf_counter() - started
            db.session.remove()
        return elapsed

    def run_trust(self, name: str) -> float:
        from cmt_schools.trusts import services as trusts
        from cmt_schools.trusts.models import Trust

        with self.app.app_context():
            connection = db.session.connection()
            started = time.perf_counter()
            if name == "trust bare":
                connection.execute(TRUST_BARE, self.trust_params).all()
            elif name == "trust answer queries":
                for statement, params in self.trust_queries:
                    connection.execute(statement, params).all()
            else:
                trust = db.session.get(Trust, self.trust_id)
                trusts.summary_for(trust, self.trust_term, today=self.today)
            elapsed = time.perf_counter() - started
            db.session.remove()
        return elapsed

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()


def interleaved(targets: list[Target], repeat: int, rng: random.Random) -> list[dict]:
    """Time every measurement on every database in shuffled rounds.

    The machine these run on may be busy with other work: taking all the timings in the
    same rounds, in a random order, spreads that noise evenly over what is compared.
    """
    times = [{name: [] for name in MEASUREMENTS} for _ in targets]
    jobs = [(i, name) for i in range(len(targets)) for name in MEASUREMENTS]
    for i, name in jobs:  # warm-up: caches and query plans
        targets[i].run(name)
    for _ in range(repeat):
        rng.shuffle(jobs)
        for i, name in jobs:
            times[i][name].append(targets[i].run(name))
    results = []
    for target, measured in zip(targets, times, strict=True):
        row = dict(target.facts)
        for name, values in measured.items():
            row[name] = statistics.median(values)
            row[name + " min"] = min(values)
            row[name + " all"] = values
        results.append(row)
    return results


def build(
    backend: str, size: int, pg_url: str | None, templates: Templates
) -> tuple[str, float, int]:
    terms = max(1, round(size / PER_TERM))
    instance = WORK / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        path = WORK / f"bench-{size}.sqlite3"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        server = make_url(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"cmt_bench_{size}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = server.set(database=name).render_as_string(hide_password=False)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "b" * 40})
    with app.app_context():
        db.create_all()  # the models' tables and indexes (the migrations make the same)
        db.engine.dispose()
    started = time.perf_counter()
    loader = SqliteLoader(path) if backend == "sqlite" else PostgresLoader(url)
    answer_sets = generate(loader, terms, templates)
    return url, time.perf_counter() - started, answer_sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--sizes", default="1000000,5000000")
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "CMT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    sizes = [int(s) for s in args.sizes.split(",")]
    WORK.mkdir(parents=True, exist_ok=True)
    templates = Templates(random.Random(1))
    rows = []
    for backend in backends:
        built = []
        for size in sizes:
            url, seconds, answer_sets = build(backend, size, args.pg_url, templates)
            print(f"{backend} {size:,}: generated {answer_sets:,} answer sets in {seconds:.0f}s")
            built.append((size, url, seconds, answer_sets))
        targets = [Target(url, WORK / "instance") for _, url, _, _ in built]
        measured = interleaved(targets, args.repeat, random.Random(2))
        for target in targets:
            target.close()
        for (size, _, seconds, answer_sets), timings in zip(built, measured, strict=True):
            timings.update(backend=backend, size=size, answer_sets=answer_sets, load=seconds)
            rows.append(timings)
            print(
                f"  {size:,}: bare {timings['bare'] * 1000:.2f} ms, answer queries"
                f" {timings['answer queries'] * 1000:.2f} ms, all queries"
                f" {timings['all queries'] * 1000:.2f} ms,"
                f" summary {timings['summary'] * 1000:.1f} ms"
            )
        if backend == "postgresql" and not args.keep:
            server = make_url(args.pg_url.replace("postgresql://", "postgresql+psycopg://"))
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                for size in sizes:
                    connection.execute(
                        text(f'DROP DATABASE IF EXISTS "cmt_bench_{size}" WITH (FORCE)')
                    )
            admin.dispose()
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)
    report = render(rows, args.repeat)
    print(report)
    if not args.no_results:
        write_results(report)


def ms(row: dict, name: str) -> str:
    return f"{row[name] * 1000:.2f} ({row[name + ' min'] * 1000:.2f})"


def paired(top: list[float], bottom: list[float]) -> float:
    """The median of round-by-round ratios (both timed in the same round)."""
    return statistics.median(a / b for a, b in zip(top, bottom, strict=True))


def render(rows: list[dict], repeat: int) -> str:
    lines = [
        f"## Term summary (reports): {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"`benchmarks/term_summary.py`: {SCHOOLS} schools, {CLASSES} classes each, 8 check-ins"
        f" per class and term (~{MEAN_ANSWERS} answer sets each), released figures only (the"
        " summary never reads raw answer sets, so none were generated); one school's latest"
        " term, with"
        " identical rows at every size, summarised. Times in ms: median (fastest) of"
        f" {repeat} rounds after a warm-up; in each round every measurement on both sizes ran"
        " once, in a shuffled order, and ratios are medians of the rounds' own ratios."
        f" Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python"
        f" {platform.python_version()}, SQLite {sqlite3.sqlite_version}; load average"
        f" {os.getloadavg()[0]:.1f} at the end (other work shared the machine).",
        "",
        "| backend | answer sets | released figure rows | the school's term figure rows |"
        " generate and load (s) |"
        " bare GROUP BY | summary's answer queries | ratio to bare | all 3 summary queries |"
        " summarise_term (Python included) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['answer_sets']:,} | {r['figure rows']:,} |"
            f" {r['school rows']:,} | {r['load']:.0f} | {ms(r, 'bare')} |"
            f" {ms(r, 'answer queries')} |"
            f" {paired(r['answer queries all'], r['bare all']):.2f} |"
            f" {ms(r, 'all queries')} | {ms(r, 'summary')} |"
        )
    lines.append("")
    for backend in sorted({r["backend"] for r in rows}):
        mine = sorted((r for r in rows if r["backend"] == backend), key=lambda r: r["size"])
        if len(mine) < 2:
            continue
        small, big = mine[0], mine[-1]

        def growth(name: str, small=small, big=big) -> str:
            return f"{paired(big[name + ' all'], small[name + ' all']):.2f}x"

        lines.append(
            f"- {backend}, {big['answer_sets']:,} against {small['answer_sets']:,} answer sets"
            f" (goal at most 1.2x): summarise_term {growth('summary')}, its queries"
            f" {growth('all queries')}, its answer queries {growth('answer queries')}, the"
            f" bare GROUP BY {growth('bare')}. The summary's answer queries against the bare"
            " GROUP BY (goal at most 2x): "
            + ", ".join(
                f"{paired(r['answer queries all'], r['bare all']):.2f}x at {r['answer_sets']:,}"
                for r in mine
            )
            + "."
        )
    lines += ["", render_trust(rows), ""]
    return "\n".join(lines)


def render_trust(rows: list[dict]) -> str:
    lines = [
        "Trust of 40 schools (schools 101 to 140, their latest term):",
        "",
        "| backend | answer sets | the trust's term figure rows | bare GROUP BY |"
        " the trust summary's answer queries | ratio to bare | trust summary (Python"
        " included) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['answer_sets']:,} | {r['trust rows']:,} |"
            f" {ms(r, 'trust bare')} | {ms(r, 'trust answer queries')} |"
            f" {paired(r['trust answer queries all'], r['trust bare all']):.2f} |"
            f" {ms(r, 'trust summary')} |"
        )
    for backend in sorted({r["backend"] for r in rows}):
        mine = sorted((r for r in rows if r["backend"] == backend), key=lambda r: r["size"])
        if len(mine) >= 2:
            small, big = mine[0], mine[-1]

            def grown(name: str, small=small, big=big) -> str:
                return f"{paired(big[name + ' all'], small[name + ' all']):.2f}x"

            lines.append(
                f"- {backend}, {big['answer_sets']:,} against {small['answer_sets']:,} answer"
                f" sets: trust summary {grown('trust summary')}, its answer queries"
                f" {grown('trust answer queries')}, the bare GROUP BY {grown('trust bare')}."
            )
    return "\n".join(lines)


def write_results(report: str) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    existing = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    RESULTS.write_text(existing.rstrip("\n") + "\n\n" + report)


if __name__ == "__main__":
    main()
