"""Two baseline endpoints for benchmarks/checkin_burst.py, only with CMT_BENCHMARK_ENDPOINTS=1.

- GET /_benchmark/hello: the cheapest response the server can give.
- POST /_benchmark/insert/<check_in_id>: one bare answer-set row inserted into the same
  table and committed, with no form, token, cookie, cap or template: the floor under the
  real check-in path.

They are public (a load generator has no account) and exist in no other configuration.
"""

from __future__ import annotations

import uuid

from sqlalchemy import insert

from ..core.access import PUBLIC, allow
from ..database import begin_write
from ..extensions import csrf, db
from .models import AnswerSet


@allow(PUBLIC)
def bench_hello():
    return "hello"


@allow(PUBLIC)
def bench_insert(check_in_id: int):
    begin_write()
    db.session.execute(insert(AnswerSet).values(id=str(uuid.uuid4()), check_in_id=check_in_id))
    db.session.commit()
    return "ok"


def add_benchmark_endpoints(state) -> None:
    csrf.exempt(bench_insert)
    state.add_url_rule("/_benchmark/hello", "bench_hello", bench_hello)
    state.add_url_rule(
        "/_benchmark/insert/<int:check_in_id>", "bench_insert", bench_insert, methods=["POST"]
    )
