"""Baseline endpoints for benchmarks/checkin_burst.py, only with CMT_BENCHMARK_ENDPOINTS=1.

- GET /_benchmark/hello: the cheapest response the server can give.
- POST /_benchmark/insert/<check_in_id>: one bare answer-set row inserted into the same
  table and committed the way a pupil's submit commits (services.submit_from_pupil): on
  PostgreSQL one statement in autocommit, on SQLite a BEGIN IMMEDIATE transaction. No
  form, token, cookie, cap or template: the floor under the real check-in path.
- POST /_benchmark/insert-in-transaction/<check_in_id>: the same row in a BEGIN ... COMMIT
  transaction through the ORM session (on SQLite the same as the above), which is how the
  bare insert was written before the pupil's submit became one statement on PostgreSQL.

They are public (a load generator has no account) and exist in no other configuration.
"""

from __future__ import annotations

import uuid

from sqlalchemy import insert

from ..core.access import PUBLIC, allow
from ..database import autocommit_connection, begin_write
from ..extensions import csrf, db
from .models import AnswerSet


@allow(PUBLIC)
def bench_hello():
    return "hello"


def _row(check_in_id: int):
    return insert(AnswerSet).values(id=str(uuid.uuid4()), check_in_id=check_in_id)


@allow(PUBLIC)
def bench_insert(check_in_id: int):
    if db.engine.dialect.name != "postgresql":
        return bench_insert_in_transaction(check_in_id)
    with autocommit_connection() as connection:
        connection.execute(_row(check_in_id))
    return "ok"


@allow(PUBLIC)
def bench_insert_in_transaction(check_in_id: int):
    begin_write()
    db.session.execute(_row(check_in_id))
    db.session.commit()
    return "ok"


def add_benchmark_endpoints(state) -> None:
    for view in (bench_insert, bench_insert_in_transaction):
        csrf.exempt(view)
    state.add_url_rule("/_benchmark/hello", "bench_hello", bench_hello)
    state.add_url_rule(
        "/_benchmark/insert/<int:check_in_id>", "bench_insert", bench_insert, methods=["POST"]
    )
    state.add_url_rule(
        "/_benchmark/insert-in-transaction/<int:check_in_id>",
        "bench_insert_in_transaction",
        bench_insert_in_transaction,
        methods=["POST"],
    )
