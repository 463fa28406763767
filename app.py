"""Entry point for `flask --app app ...` and `gunicorn 'app:app'`."""

from cmt_schools import create_app
from cmt_schools.curriculum.loader import load_curriculum

app = create_app()
# Each process (a gunicorn worker, the render worker) reads and checks the lessons as it
# starts, not in the first request that needs them: about 130 ms, which made the first
# download of a pack in each web worker hold it for 150-200 ms.
load_curriculum()
