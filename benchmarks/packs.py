"""How fast lesson and term packs render, how much memory a term pack takes, and how that
compares with headless Chromium printing the same HTML.

    .venv/bin/python benchmarks/packs.py            # prints a table, updates RESULTS.md
    .venv/bin/python benchmarks/packs.py --quick    # fewer repetitions, RESULTS.md untouched

WeasyPrint is timed in this (running) process through the same functions the download
views call: "cold" is a render with an empty store of rendered files, "cached" a download
of a pack already in the store. The first render of a process also pays for loading fonts; it is
shown on its own. Peak memory of a cold term pack is measured in a fresh subprocess
(getrusage's peak RSS, and tracemalloc's peak of Python allocations in another run).
Chromium (Playwright, /usr/bin/chromium) prints the very same HTML, with the same static
files served to it, as a tagged PDF like WeasyPrint's, timed from browser launch (the
issue's baseline) and, separately, with the browser already running. Two more renders of
the term pack's HTML, untagged and with a bare stylesheet, show what the tagging and the
design cost, and what WeasyPrint needs for the text alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import machine, write_section  # noqa: E402 - needs ROOT on the path

CHROMIUM = os.environ.get("CMT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "a calm green kettle"
SECTION_START = "<!-- packs:start -->"
SECTION_END = "<!-- packs:end -->"


# ---------------------------------------------------------------- a school to print for


def make_app(folder: Path):
    from cmt_schools import create_app
    from cmt_schools.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "benchmark-" + "k" * 32,
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SESSION_COOKIE_SECURE": False,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "localhost",
            # Rendered in the request: this script times the render itself and the store.
            "RENDER_QUEUE_URL": "inline",
            "RENDER_AHEAD": False,
            "ARGON2_TIME_COST": 2,
            "ARGON2_MEMORY_KIB": 19456,
            "ARGON2_PARALLELISM": 1,
        }
    )
    with app.app_context():
        db.create_all()
    return app


def seed(app) -> dict:
    """Oakfield Academy, teacher, class 8B (KS3) with the whole band's ten lessons laid out."""
    from cmt_schools.accounts import services as accounts
    from cmt_schools.curriculum.loader import load_curriculum
    from cmt_schools.database import begin_write
    from cmt_schools.extensions import db
    from cmt_schools.scheduling.models import LessonOccurrence, SchoolClass

    with app.app_context():
        school = accounts.create_school("Oakfield Academy", "england")
        teacher = accounts.create_user(
            school, email="t@oakfield.example", name="Priya Shah", role="teacher", password=PASSWORD
        )
        begin_write()
        school_class = SchoolClass(
            school_id=school.id, teacher_id=teacher.id, name="8B", year_group=8
        )
        db.session.add(school_class)
        db.session.flush()
        lessons = load_curriculum().band("ks3").lessons
        occurrences = []
        day = date(2026, 9, 8)
        for position, lesson in enumerate(lessons, start=1):
            occurrence = LessonOccurrence(
                school_id=school.id,
                class_id=school_class.id,
                lesson_key=lesson.key,
                position=position,
                scheduled_on=day,
                starts_at=clock_time(10, 40),
                minutes=lesson.minutes,
            )
            db.session.add(occurrence)
            occurrences.append(occurrence)
            day += timedelta(days=7)
        db.session.commit()
        lesson_two = next(o for o in occurrences if o.lesson_key == "ks3/02-three-systems")
        return {
            "school_id": school.id,
            "class_id": school_class.id,
            "occurrence_id": lesson_two.id,
            "teacher_email": teacher.email,
            "lessons": len(lessons),
        }


def pack_inputs(app, ids: dict):
    """The lesson pack's and the term pack's inputs, as the views read them."""
    from cmt_schools.accounts.models import School
    from cmt_schools.curriculum.loader import load_curriculum
    from cmt_schools.extensions import db
    from cmt_schools.packs import services
    from cmt_schools.scheduling.models import LessonOccurrence, SchoolClass

    school = db.session.get(School, ids["school_id"])
    occurrence = db.session.get(LessonOccurrence, ids["occurrence_id"])
    lesson = load_curriculum().lesson(occurrence.lesson_key)
    lesson_pack = services.lesson_pack_input(school, lesson, occurrence=occurrence)
    term_pack = services.term_pack_input(school, db.session.get(SchoolClass, ids["class_id"]))
    return lesson_pack, term_pack


# ---------------------------------------------------------------- measuring


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def count_renders() -> list[str]:
    """From now on, the HTML of every pack this process renders (a cache hit renders none)."""
    from cmt_schools.packs import rendering

    rendered: list[str] = []
    render_pdf = rendering.render_pdf

    def render_and_count(html: str) -> bytes:
        rendered.append(html)
        return render_pdf(html)

    rendering.render_pdf = render_and_count
    return rendered


def clear_cache(app) -> None:
    """Empty the store of rendered files (cmt_schools/renders/store.py)."""
    from cmt_schools.extensions import db
    from cmt_schools.renders.models import RenderedFile

    with app.app_context():
        db.session.execute(db.delete(RenderedFile))
        db.session.commit()


def page_count(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def weasyprint_timings(app, ids: dict, repeats: int) -> dict:
    from cmt_schools.packs import services

    results = {}
    renders = count_renders()
    client = app.test_client()
    with app.app_context():
        client.post("/login", data={"email": ids["teacher_email"], "password": PASSWORD})
    for kind, url, count in (
        ("lesson", f"/packs/occurrence/{ids['occurrence_id']}.pdf", repeats),
        ("term", f"/packs/class/{ids['class_id']}/term.pdf", max(2, repeats // 2)),
    ):

        def render_once(kind=kind):
            """The stored file, or a render kept in the store (what a worker does)."""
            from cmt_schools.packs.ahead import pack_job
            from cmt_schools.renders import store

            with app.app_context():
                lesson_pack, term_pack = pack_inputs(app, ids)
                job = pack_job(lesson_pack if kind == "lesson" else term_pack, kind)
                found = store.stored(job.key)
                if found is not None:
                    return found
                pdf = services.render_pack(job.spec)
                store.keep(job.key, kind="pack", school_id=job.school_id, content=pdf)
                return pdf

        cold_wall, cold_cpu = [], []
        first = None
        for index in range(count + 1):
            clear_cache(app)
            before = len(renders)
            wall, cpu, pdf = timed(render_once)
            assert len(renders) == before + 1
            if kind == "lesson" and index == 0:
                first = wall  # the process's first render: fonts load here
                continue
            if kind == "term" and index == 0:
                continue  # warm-up
            cold_wall.append(wall)
            cold_cpu.append(cpu)
        cached = []
        for _ in range(max(repeats, 5)):
            before = len(renders)
            wall, _, cached_pdf = timed(render_once)
            assert len(renders) == before and cached_pdf == pdf
            cached.append(wall)
        downloads = []
        for _ in range(max(repeats, 5)):
            wall, _, response = timed(lambda url=url: client.get(url))
            assert response.status_code == 200 and response.data == pdf
            downloads.append(wall)
        with app.app_context():
            html = services.pack_html(pack_inputs(app, ids)[0 if kind == "lesson" else 1])
        results[kind] = {
            "pages": page_count(pdf),
            "bytes": len(pdf),
            "first_in_process": first,
            "cold_median": statistics.median(cold_wall),
            "cold_min": min(cold_wall),
            "cold_cpu_median": statistics.median(cold_cpu),
            "cached_median": statistics.median(cached),
            "download_cached_median": statistics.median(downloads),
            "html": html,
        }
    return results


CURVE_LESSONS = (1, 3, 5, 7, 10)


def pages_curve(app, ids: dict, repeats: int) -> dict:
    """Term packs of the class's first 1, 3, 5, 7 and 10 lessons: WeasyPrint's time for
    each (fastest of `repeats`, an empty store each time), with its pages and its HTML for
    Chromium to print too. A pack's time grows with its pages, not with the school."""
    import dataclasses

    from cmt_schools.packs import services

    curve = {}
    with app.app_context():
        _lesson_pack, term_pack = pack_inputs(app, ids)
        for count in CURVE_LESSONS:
            pack = dataclasses.replace(term_pack, lessons=term_pack.lessons[:count])
            walls, pdf = [], b""
            for _ in range(repeats):
                wall, _cpu, pdf = timed(lambda pack=pack: services.render_pack(pack))
                walls.append(wall)
            curve[count] = {
                "pages": page_count(pdf),
                "weasyprint": min(walls),
                "html": services.pack_html(pack),
            }
    return curve


def draw_curve(curve: dict, chrome_curve: dict, stored_download: float) -> str | None:
    """The curve as benchmarks/packs.png: time against a pack's pages, both engines, and a
    download of a pack already made (what a user waits for now)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    pages = [curve[count]["pages"] for count in CURVE_LESSONS]
    figure, axis = plt.subplots(figsize=(6.5, 4))
    axis.plot(
        pages,
        [curve[c]["weasyprint"] for c in CURVE_LESSONS],
        marker="o",
        label="WeasyPrint render (the worker's)",
    )
    axis.plot(
        pages,
        [chrome_curve[f"curve-{c}"]["running_median"] for c in CURVE_LESSONS],
        marker="s",
        label="Chromium print, browser running",
    )
    axis.plot(
        pages,
        [stored_download] * len(pages),
        linestyle="--",
        label="download of a pack already made",
    )
    axis.set(
        xlabel="pages in the pack (term packs of 1 to 10 lessons)",
        ylabel="seconds",
        title="Pack render time against its length",
    )
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(Path(__file__).with_name("packs.png"), dpi=90)
    return "packs.png"


def chromium_timings(documents: dict[str, str], repeats: int) -> dict:
    from playwright.sync_api import sync_playwright

    from cmt_schools.packs.rendering import STATIC_BASE_URL, StaticOnlyFetcher

    def serve_static(route):
        path = StaticOnlyFetcher.static_path(route.request.url)
        if path is None:
            route.abort()
            return
        kind = "text/css" if path.suffix == ".css" else "image/svg+xml"
        route.fulfill(body=path.read_bytes(), content_type=kind)

    def print_pdf(browser, html: str) -> bytes:
        page = browser.new_page()
        page.route("**/*", serve_static)
        # The same base URL WeasyPrint resolves css/print.css against.
        page.set_content(html.replace("<head>", f'<head><base href="{STATIC_BASE_URL}">', 1))
        # Tagged, as WeasyPrint's PDF/UA packs are: the like-for-like comparison.
        pdf = page.pdf(format="A4", prefer_css_page_size=True, tagged=True)
        page.close()
        return pdf

    results = {}
    with sync_playwright() as playwright:
        version = None
        for kind, html in documents.items():
            from_launch, running = [], []
            pdf = b""
            for _ in range(repeats):
                start = time.perf_counter()
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                pdf = print_pdf(browser, html)
                from_launch.append(time.perf_counter() - start)
                version = browser.version
                for _ in range(2):
                    start = time.perf_counter()
                    print_pdf(browser, html)
                    running.append(time.perf_counter() - start)
                browser.close()
            results[kind] = {
                "pages": page_count(pdf),
                "from_launch_median": statistics.median(from_launch),
                "from_launch_min": min(from_launch),
                "running_median": statistics.median(running),
            }
        results["version"] = version
    return results


# The floor under the term pack: the same HTML with no design at all (A4, margins, one
# font, each section on a new page, page numbers), so what is left is WeasyPrint laying out
# and writing this much text. If the floor itself is far from Chromium, no stylesheet can
# bring the designed pack within reach.
BARE_STYLESHEET = (
    "@page { size: A4; margin: 24mm 18mm 22mm 26mm;"
    " @bottom-right { content: 'Page ' counter(page) ' of ' counter(pages) } }"
    " html { font-family: 'DejaVu Sans'; font-size: 9.5pt; line-height: 1.5 }"
    " section { break-before: page }"
)


def engine_floor(term_html: str, repeats: int) -> dict:
    """WeasyPrint on the term pack's HTML: as printed but untagged, and bare (tagged)."""
    from weasyprint import HTML

    from cmt_schools.packs.rendering import PDF_VARIANT, STATIC_BASE_URL, StaticOnlyFetcher

    bare_html = term_html.replace(
        '<link rel="stylesheet" href="css/print.css">', f"<style>{BARE_STYLESHEET}</style>"
    )
    assert bare_html != term_html, "the term pack no longer links css/print.css"
    variants = {"untagged": (term_html, None), "bare": (bare_html, PDF_VARIANT)}
    results = {}
    for name, (html, variant) in variants.items():
        walls, pages = [], 0
        for _ in range(repeats):
            start = time.perf_counter()
            document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticOnlyFetcher())
            rendered = document.render(pdf_variant=variant)
            rendered.write_pdf(pdf_variant=variant)
            walls.append(time.perf_counter() - start)
            pages = len(rendered.pages)
        results[name] = {"median": statistics.median(walls), "pages": pages}
    return results


def _status_kib(field: str) -> int:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def memory_child(mode: str) -> None:
    """Run in a subprocess: render the term pack cold once and report memory as JSON.

    getrusage's ru_maxrss is no use here: on Linux a child's starts at its parent's peak
    (it survives exec). /proc/self/status's VmHWM is this process's own peak RSS, and
    writing 5 to /proc/self/clear_refs resets it, so the peak of the render itself is seen.
    """
    folder = Path(tempfile.mkdtemp(prefix="cmt-bench-mem-"))
    try:
        app = make_app(folder)
        ids = seed(app)
        from cmt_schools.packs import services

        with app.app_context():
            _, term_pack = pack_inputs(app, ids)
            report = {
                "rss_before_kib": _status_kib("VmRSS"),
                "setup_peak_kib": _status_kib("VmHWM"),
            }
            Path("/proc/self/clear_refs").write_text("5")
            if mode == "tracemalloc":
                tracemalloc.start()
            services.render_pack(term_pack)
            if mode == "tracemalloc":
                report["tracemalloc_peak_bytes"] = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            report["rss_peak_kib"] = _status_kib("VmHWM")
        print(json.dumps(report))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def memory_in_subprocess(mode: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--memory-child", mode],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# ---------------------------------------------------------------- reporting


def machine_and_renderer() -> str:
    import weasyprint

    return f"{machine()}, WeasyPrint {weasyprint.__version__}"


def startup_phrase(chrome_term: dict) -> str:
    startup = chrome_term["from_launch_median"] - chrome_term["running_median"]
    if startup <= 0:
        return "starting it costs little beside the print itself"
    return f"starting it costs about {ms(startup)}"


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.0f} ms"


def report(
    weasy: dict,
    chrome: dict,
    floor: dict,
    memory: dict,
    traced: dict,
    loads: tuple,
    info: str,
    curve: dict,
    plot: str | None,
) -> str:
    lesson, term = weasy["lesson"], weasy["term"]
    c_lesson, c_term = chrome["lesson"], chrome["term"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    lesson_share = lesson["download_cached_median"] / lesson["cold_median"]
    term_share = term["download_cached_median"] / term["cold_median"]
    rss_peak_mib = memory["rss_peak_kib"] / 1024
    rss_growth_mib = (memory["rss_peak_kib"] - memory["rss_before_kib"]) / 1024
    traced_mib = traced["tracemalloc_peak_bytes"] / 1024 / 1024
    lines = [
        SECTION_START,
        "## Packs (lesson and term PDFs)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} with `benchmarks/packs.py` on {info}, "
        f"Chromium {chrome['version']}. Load average before and after the run: "
        f"{loads[0]:.1f} and {loads[1]:.1f} (the machine is shared, so wall times vary; "
        "medians are shown, CPU time alongside).",
        "",
        "A lesson pack is KS3 lesson 2 for class 8B; the term pack is the whole KS3 band (ten "
        "lessons) for 8B. Chromium prints the very same HTML with the same static files.",
        "",
        "| | lesson pack | term pack |",
        "|---|---:|---:|",
        f"| pages (WeasyPrint / Chromium) | {lesson['pages']} / {c_lesson['pages']} | "
        f"{term['pages']} / {c_term['pages']} |",
        f"| WeasyPrint, first render in a new process | {ms(lesson['first_in_process'])} | |",
        f"| WeasyPrint cold (empty cache), median | {ms(lesson['cold_median'])} | "
        f"{ms(term['cold_median'])} |",
        f"| WeasyPrint cold, CPU time, median | {ms(lesson['cold_cpu_median'])} | "
        f"{ms(term['cold_cpu_median'])} |",
        f"| WeasyPrint cached (render function), median | {ms(lesson['cached_median'])} | "
        f"{ms(term['cached_median'])} |",
        f"| cached download through the view, median | {ms(lesson['download_cached_median'])} | "
        f"{ms(term['download_cached_median'])} |",
        f"| Chromium print, timed from launch, median | {ms(c_lesson['from_launch_median'])} | "
        f"{ms(c_term['from_launch_median'])} |",
        f"| Chromium print, browser already running, median | {ms(c_lesson['running_median'])} "
        f"| {ms(c_term['running_median'])} |",
        "",
        "Chromium prints tagged PDFs here (`tagged=True`), as WeasyPrint's packs are tagged "
        "(PDF/UA-1). Two more renders of the term pack's HTML show how much of WeasyPrint's "
        "time the design and the tagging cost:",
        "",
        "| term pack, WeasyPrint, median | pages | time | against Chromium from launch |",
        "|---|---:|---:|---:|",
        f"| as printed (tagged, the pack's stylesheet) | {term['pages']} | "
        f"{ms(term['cold_median'])} | {term['cold_median'] / c_term['from_launch_median']:.1f}x |",
        f"| the same, untagged | {floor['untagged']['pages']} | "
        f"{ms(floor['untagged']['median'])} | "
        f"{floor['untagged']['median'] / c_term['from_launch_median']:.1f}x |",
        f"| no design at all (a bare stylesheet), tagged | {floor['bare']['pages']} | "
        f"{ms(floor['bare']['median'])} | "
        f"{floor['bare']['median'] / c_term['from_launch_median']:.1f}x |",
        "",
        f"Memory of a cold term pack, rendered in a fresh process that holds the whole app: "
        f"the process's peak RSS while rendering was {rss_peak_mib:.0f} MiB, of which "
        f"{memory['rss_before_kib'] / 1024:.0f} MiB it held before (Python, Flask, the app, "
        f"WeasyPrint and the curriculum), so the render itself added {rss_growth_mib:.0f} MiB; "
        f"tracemalloc's peak of Python allocations during the render (another run): "
        f"{traced_mib:.0f} MiB.",
        "",
        "Against the issue's goals:",
        "",
        f"- cold lesson pack faster than Chromium's print of it from launch: "
        f"{ms(lesson['cold_median'])} against {ms(c_lesson['from_launch_median'])}, "
        f"{verdict(lesson['cold_median'] < c_lesson['from_launch_median'])}"
        f" (against an already running Chromium, {ms(c_lesson['running_median'])}: "
        f"{'faster' if lesson['cold_median'] < c_lesson['running_median'] else 'slower'});",
        f"- term pack within 1.5x of Chromium from launch: "
        f"{term['cold_median'] / c_term['from_launch_median']:.1f}x, "
        f"{verdict(term['cold_median'] <= 1.5 * c_term['from_launch_median'])};",
        f"- cached download under 5% of the cold time: lesson {lesson_share:.1%}, "
        f"term {term_share:.1%}, {verdict(max(lesson_share, term_share) < 0.05)};",
        f"- term pack rendered in under 200 MB peak memory: the render took "
        f"{rss_growth_mib * 1.048576:.0f} MB, "
        f"{verdict(rss_growth_mib * 1.048576 < 200)}; the whole worker process peaked at "
        f"{rss_peak_mib * 1.048576:.0f} MB.",
        "",
        "Why the term pack is slower than Chromium: WeasyPrint's time grows with the pages it "
        f"lays out (about {term['cold_median'] / term['pages'] * 1000:.0f} ms a page here; the "
        f"term pack has {term['pages']} pages), while Chromium's grows slowly ("
        f"{startup_phrase(c_term)}, and its layout is native code). So WeasyPrint "
        f"{'wins' if lesson['cold_median'] < c_lesson['from_launch_median'] else 'loses'} "
        "on a lesson pack against Chromium from launch, and loses on a term pack of ten "
        "lessons. The floor rows say the gap is not the design: with no stylesheet to speak "
        f"of, WeasyPrint still takes {floor['bare']['median'] / c_term['from_launch_median']:.1f}x "
        "Chromium's time to set this much text in one Python process, so no change to the "
        "stylesheet or the markup can bring the term pack within 1.5x. Splitting the work "
        "across processes is the only way to narrow it (a term pack is ten lessons, each "
        "starting on a new page), and WeasyPrint cannot join separately rendered documents "
        "into one tagged PDF: its pages can only be combined inside one process, and merging "
        "PDF files drops the tags a screen reader needs. So no one waits for it instead: the "
        "render worker makes a class's term pack and its coming week's lesson packs when "
        "anything in them changes, keeps them in the database, and every download of one "
        "takes a few milliseconds (the cached rows above); one asked for before it is made "
        "shows a page that waits for it, without holding a web worker "
        "(`benchmarks/render_ahead.py` measures both).",
        "",
        "A pack's time grows with its pages, not with the school: term packs of the class's "
        "first 1 to 10 lessons (fastest of 2 each; Chromium's browser already running):",
        "",
        "| lessons | pages | WeasyPrint | Chromium | WeasyPrint per page |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {count} | {curve[count]['pages']} | {ms(curve[count]['weasyprint'])} | "
            f"{ms(chrome[f'curve-{count}']['running_median'])} | "
            f"{ms(curve[count]['weasyprint'] / curve[count]['pages'])} |"
            for count in CURVE_LESSONS
        ),
        "",
        *([f"![Pack render time against its pages]({plot})", ""] if plot else []),
        SECTION_END,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions; no RESULTS.md")
    parser.add_argument("--memory-child", choices=("rss", "tracemalloc"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    repeats = 2 if args.quick else 5
    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="cmt-bench-packs-"))
    try:
        app = make_app(folder)
        ids = seed(app)
        weasy = weasyprint_timings(app, ids, repeats)
        curve = pages_curve(app, ids, 2)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    documents = {"lesson": weasy["lesson"]["html"], "term": weasy["term"]["html"]}
    documents |= {f"curve-{count}": curve[count]["html"] for count in CURVE_LESSONS}
    chrome = chromium_timings(documents, max(2, repeats - 2))
    plot = (
        None if args.quick else draw_curve(curve, chrome, weasy["term"]["download_cached_median"])
    )
    floor = engine_floor(weasy["term"]["html"], max(2, repeats - 2))
    memory = memory_in_subprocess("rss")
    traced = memory_in_subprocess("tracemalloc")
    loads = (load_before, os.getloadavg()[0])
    section = report(
        weasy, chrome, floor, memory, traced, loads, machine_and_renderer(), curve, plot
    )
    print(section)
    if not args.quick:
        print(f"written to {write_section(section, SECTION_START, SECTION_END)}")


if __name__ == "__main__":
    main()
