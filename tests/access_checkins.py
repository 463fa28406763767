"""Who may use the check-in routes (see access_table.py)."""

PUBLIC = "public"
STAFF = {"teacher", "lead"}

ACCESS = {
    # Pupils: no account, no login.
    "checkins.join": {PUBLIC},
    "checkins.join_code": {PUBLIC},
    # Staff: a teacher for their own classes, a lead for the school.
    "checkins.index": STAFF,
    "checkins.open": STAFF,
    "checkins.board": STAFF,
    "checkins.qr": STAFF,
    "checkins.count": STAFF,
    "checkins.close": STAFF,
    "checkins.results": STAFF,
    # Only with CMT_BENCHMARK_ENDPOINTS=1 (benchmarks/checkin_burst.py); absent otherwise.
    "checkins.bench_hello": {PUBLIC},
    "checkins.bench_insert": {PUBLIC},
    "checkins.bench_insert_in_transaction": {PUBLIC},
}
