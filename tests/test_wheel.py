"""The README's deploy steps, run as written: build the wheel, install it into a fresh
virtual environment in an empty temporary folder, migrate, seed, serve with gunicorn, and
fetch a page, a stylesheet and a lesson pack.

The deploy block of the README is the script: its lines run in order in one shell, but
for the exports (the test sets the same variables to its own database, secret and Redis
prefix) and gunicorn's address and worker count. On PostgreSQL (CMT_TEST_DATABASE_URL)
it migrates a new, empty database of its own; otherwise a SQLite file in the instance
folder.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import requests
from pypdf import PdfReader
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from .checkins_fixtures import TOKEN
from .conftest import FAST_ARGON2_ENV, ROOT, free_port

pytestmark = pytest.mark.slow

DEMO_PASSWORD = "wheel demo words here"
LEAD_PASSWORD = "a head teacher's long passphrase"
# Left out of the copy the wheel is built from: what a fresh checkout does not have.
NOT_IN_A_CHECKOUT = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "instance", "__pycache__", "*.pyc", "*.egg-info",
    ".pytest_cache", ".ruff_cache", ".hypothesis", "_work", "test-results",
)  # fmt: skip
BUNDLED = {"templates": "templates", "static": "static", "migrations": "migrations"}
BUNDLED["cmt_schools/curriculum"] = "curriculum"


def deploy_block() -> list[str]:
    """The lines of the README's first ```sh block under "## Deploying"."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Deploying\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


@pytest.fixture
def database_url(tmp_path):
    """A new, empty database for the deployed app: PostgreSQL if the tests have one."""
    server_url = os.environ.get("CMT_TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path / 'site' / 'instance' / 'cmt.sqlite3'}"
        return
    server = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"cmt_wheel_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run(command: str, *, cwd: Path, env: dict, timeout: int = 600) -> str:
    result = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_readme_deploy_steps_install_the_wheel_and_serve_from_an_empty_folder(
    tmp_path, database_url
):
    lines = deploy_block()
    build, *on_the_server = lines
    assert build.startswith("python3 -m pip wheel") and "gunicorn" in on_the_server[-2]
    assert on_the_server[-1].startswith("cmt worker"), "the render worker runs beside gunicorn"
    base_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CMT_", "VIRTUAL_ENV", "PYTHON")) and key != "DATABASE_URL"
    }
    # `python3` is the one running the tests (in a checkout: its virtual environment's).
    base_env["PATH"] = f"{Path(sys.executable).parent}:{base_env['PATH']}"

    # -- build, in a copy of the checkout as a fresh clone would have it
    source = tmp_path / "checkout"
    shutil.copytree(ROOT, source, ignore=NOT_IN_A_CHECKOUT)
    run(build, cwd=source, env=base_env)
    (wheel,) = (source / "dist").glob("cmt_schools-*.whl")
    assert_wheel_holds_every_bundled_file(wheel, source)
    print(f"\nwheel: {wheel.name}, {wheel.stat().st_size:,} bytes")

    # -- on the "server": an empty folder with the wheel and constraints.txt
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(wheel, site)
    shutil.copy(ROOT / "constraints.txt", site)
    port = free_port()
    exports = {
        "CMT_INSTANCE_PATH": str(site / "instance"),
        "CMT_SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": database_url,
        "CMT_RATELIMIT_STORAGE_URI": "memory://",
    }
    exported = [
        line.split()[1].split("=")[0] for line in on_the_server if line.startswith("export")
    ]
    assert exported == list(exports), "the README exports other settings than this test sets"
    script = ["set -euo pipefail"]
    serve = None
    for line in on_the_server:
        if line.startswith("export "):
            continue
        if line.startswith("cmt create-user "):
            # Each asks for its password twice, from its own stdin (a shared pipe would be
            # read ahead by the first command to start).
            line = 'printf "%s\\n%s\\n" "$WHEEL_PASSWORD" "$WHEEL_PASSWORD" | ' + line
        if line.startswith("gunicorn "):
            line = line.replace("--workers 4", "--workers 2")
            serve = "exec " + line.replace("0.0.0.0:8000", f"127.0.0.1:{port}")
            continue
        if line.startswith("cmt worker"):
            line = "cmt worker &"  # its own service on a server; here beside gunicorn
        script.append(line)
    script.append(serve)
    env = {
        **base_env,
        **exports,
        **FAST_ARGON2_ENV,
        "CMT_DEMO_PASSWORD": DEMO_PASSWORD,
        "CMT_SESSION_COOKIE_SECURE": "false",  # plain HTTP here; behind HTTPS leave it on
        "WHEEL_PASSWORD": LEAD_PASSWORD,
    }
    log_path = tmp_path / "deploy.log"
    process = subprocess.Popen(
        ["bash", "-c", "\n".join(script)],
        cwd=site,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, log_path)
        log = log_path.read_text()
        assert "Created school 1: Oakfield Academy" in log
        assert "Created lead head@oakfield.sch.uk" in log
        assert "lead@oakfield.example" in log  # the demo's logins
        wait_for_the_worker(base, log_path)
        fetch_a_page_a_stylesheet_and_a_lesson_pack(base)
        installed = run(
            "venv/bin/python -c 'import cmt_schools; print(cmt_schools.__file__)'",
            cwd=site,
            env=base_env,
        )
        assert installed.startswith(str(site / "venv")), installed
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
    log = log_path.read_text()
    assert "Traceback" not in log, log
    assert sorted(p.name for p in site.iterdir()) == sorted(
        ["venv", "instance", wheel.name, "constraints.txt"]
    )


def assert_wheel_holds_every_bundled_file(wheel: Path, source: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, inside in BUNDLED.items():
        for path in (source / folder).rglob("*"):
            if path.is_file():
                relative = path.relative_to(source / folder).as_posix()
                assert f"cmt_schools/{inside}/{relative}" in names, f"{folder}/{relative}"
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def wait_until_serving(base: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 600  # the first install may download every dependency
    while True:
        assert process.poll() is None, log_path.read_text()
        try:
            if requests.get(base + "/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.5)


def wait_for_the_worker(base: str, log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while requests.get(base + "/healthz", timeout=5).json()["render_worker"] != "ok":
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.5)


def download_when_ready(browser: requests.Session, url: str) -> requests.Response:
    """The file, following the page that waits for it while the worker makes it."""
    deadline = time.monotonic() + 300
    response = browser.get(url, timeout=120)
    while response.status_code == 202:
        assert time.monotonic() < deadline, "the worker did not make the file"
        time.sleep(1)
        response = browser.get(url, timeout=120)
    return response


def fetch_a_page_a_stylesheet_and_a_lesson_pack(base: str) -> None:
    browser = requests.Session()
    login = browser.get(base + "/login", timeout=10)
    assert login.status_code == 200 and "Sign in" in login.text
    stylesheet = re.search(r'href="(/static/css/[^"]+\.css(?:\?v=[0-9a-f]+)?)"', login.text).group(
        1
    )
    css = browser.get(base + stylesheet, timeout=10)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert len(css.content) > 1000
    signed_in = browser.post(
        base + "/login",
        data={
            "email": "lead@oakfield.example",
            "password": DEMO_PASSWORD,
            "csrf_token": TOKEN.search(login.text).group(1),
        },
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302
    pack = download_when_ready(browser, base + "/packs/lesson/ks3/01-what-compassion-is.pdf")
    assert pack.status_code == 200 and pack.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pack.content))
    assert len(reader.pages) >= 2
    assert "compassion" in reader.pages[0].extract_text().lower()
    # The lessons' drawings come from the installed package, byte for byte.
    from cmt_schools.curriculum.loader import load_curriculum
    from cmt_schools.curriculum.resource_checks import resource_path

    shipped = [
        (lesson, r) for lesson in load_curriculum().by_key.values() for r in lesson.resources
    ]
    for lesson, resource in shipped[:3]:
        url = f"{base}/lessons/{lesson.band}/{lesson.slug}/resources/{resource.id}.svg"
        drawing = browser.get(url, timeout=10)
        assert drawing.status_code == 200
        assert drawing.headers["Content-Type"].startswith("image/svg+xml")
        assert drawing.content == resource_path(lesson, resource).read_bytes()
