"""Entry point for `flask --app app ...` and `gunicorn 'app:app'`."""

from cmt_schools import create_app

app = create_app()
