"""`cmt_schools.wsgi` warms each gunicorn worker before its first request.

Each check runs in a process of its own, as a gunicorn worker imports the module: the
warm-up freezes the collector's objects, which a test process must not have done to it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import FAST_ARGON2_ENV, database_url_for, free_port

ROOT = Path(__file__).resolve().parent.parent

# What a worker holds after importing the module, and what its first requests compile.
PROBE = """
import gc, json, logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
from cmt_schools.wsgi import app
from cmt_schools.curriculum.loader import load_curriculum
from cmt_schools.extensions import db
from cmt_schools.scheduling.services import calendar

environment = app.jinja_env
compiled = []
compile_template = environment.compile
def counting_compile(source, name=None, filename=None, *args, **kwargs):
    compiled.append(name)
    return compile_template(source, name, filename, *args, **kwargs)
environment.compile = counting_compile

client = app.test_client()
statuses = [client.get(path).status_code for path in ("/login", "/join", "/healthz")]
with app.app_context():
    pooled = db.engine.pool.checkedin()
print(json.dumps({
    "templates": len(environment.list_templates()),
    "cached": len({name for _, name in environment.cache.keys()}),
    "compiled_in_requests": compiled,
    "statuses": statuses,
    "curriculum_loaded": load_curriculum.cache_info().currsize,
    "bank_holiday_years": calendar._bank_holidays.cache_info().currsize,
    "nations": len(calendar.NATION_SUBDIVISIONS),
    "frozen": gc.get_freeze_count(),
    "pooled_connections": pooled,
}))
"""


def probe(tmp_path: Path, database_url: str) -> tuple[dict, str]:
    env = {
        **os.environ,
        **FAST_ARGON2_ENV,
        "CMT_INSTANCE_PATH": str(tmp_path / "instance"),
        "CMT_DATABASE_URL": database_url,
        "CMT_SECRET_KEY": "warm-test-" + "w" * 40,
        "CMT_RATELIMIT_STORAGE_URI": "memory://",
        "CMT_RENDER_WARM_ON_START": "false",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def test_a_worker_starts_with_templates_compiled_lessons_read_and_a_connection_open(
    backend, tmp_path, postgres_database_url
):
    found, log = probe(tmp_path, database_url_for(backend, tmp_path, postgres_database_url))

    assert found["templates"] > 50
    assert found["cached"] == found["templates"]
    # The first requests of this worker (a page, the pupil's join page, the health check)
    # render without compiling anything: it was all done at the start.
    assert found["statuses"] == [200, 200, 200]  # /healthz: degraded (no render worker)
    assert found["compiled_in_requests"] == []
    assert found["curriculum_loaded"] == 1
    assert found["bank_holiday_years"] == 2 * found["nations"]
    assert found["frozen"] > 10_000
    assert found["pooled_connections"] == 1
    assert "warm: curriculum" in log


def test_a_worker_still_starts_when_the_database_cannot_be_reached(tmp_path):
    closed_port = free_port()
    found, log = probe(tmp_path, f"postgresql://postgres@127.0.0.1:{closed_port}/nowhere")

    assert "the database could not be reached" in log
    assert found["pooled_connections"] == 0
    assert found["cached"] == found["templates"]
    assert found["compiled_in_requests"] == []
    assert found["statuses"][2] == 503  # /healthz: the operator is told
