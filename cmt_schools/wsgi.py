"""The app as gunicorn serves it: `gunicorn 'cmt_schools.wsgi:app'`.

Each gunicorn worker imports this module before it takes a request, so the work a first
request would otherwise do in that worker is done here, at its start: reading and checking
the lessons (about 130 ms), compiling every template (a few ms each; a page's first render
in a worker compiled its templates and base, 100-140 ms for a download's progress page),
configuring the ORM's mappers and opening a database connection (on PostgreSQL the first
one also reads the server's settings). Without it, the first download of each kind held a
web worker for 110-320 ms where later ones take 10-60 ms.

Not for `--preload`: the warm connection belongs to the process that opened it.
"""

from __future__ import annotations

from . import create_app
from .warm import warm_up

app = create_app()
warm_up(app)
