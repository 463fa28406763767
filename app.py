"""Entry point for `flask --app app ...` in a checkout (gunicorn serves `cmt_schools.wsgi`,
which also warms each worker before its first request)."""

from cmt_schools import create_app
from cmt_schools.curriculum.loader import load_curriculum

app = create_app()
# Each process started here (the render worker, a test's server) reads and checks the
# lessons as it starts, not in the first request or render that needs them (about 130 ms).
load_curriculum()
