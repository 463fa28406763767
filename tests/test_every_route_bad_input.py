"""Every route, sent what no route should take, on SQLite and PostgreSQL: never a 500,
never a row stored, and the security headers on every response.

The routes come from `app.url_map`, so a route added later is walked too. Real values for
its path come from crawling the demo school's pages (a link or form that matches the
route), or else plain guesses (1 for an id). The field names sent are every name any page
has a field for, every WTForms field, and every name the code reads from `request.args`
or `request.form`. Each route is then sent, as the demo lead (or anonymously for public
routes):

- ids in its path past PostgreSQL's integer, and control characters in its text parts;
- every field name at once, set to each value of BAD_VALUES (a NUL, other control
  characters, numbers past an integer, wrong types, a field sent twice, long text), in
  the query string and, for POST, in the form body;
- for POST, every field as a file upload, and a body over the size limit;
- a method the route does not have.

A 4xx must leave every table's row count as it was. A 2xx or 3xx (an action whose own
fields are fine, with the bad ones ignored) may change rows, but no integer column may then
hold a number past the integer range and no text column the long text.
"""

from __future__ import annotations

import io
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import BigInteger, Integer, String, Text, cast, func, select, text
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect
from wtforms.fields.core import UnboundField

from cmt_schools.checkins.models import CheckIn
from cmt_schools.core.access import PUBLIC, access_rule_for
from cmt_schools.core.inputs import MAX_ID
from cmt_schools.demo import seed_demo
from cmt_schools.extensions import db

pytestmark = pytest.mark.slow

DEMO_PASSWORD = "walk every route words"
PACKAGE = Path(__file__).resolve().parent.parent / "cmt_schools"
LONG_TEXT = "x" * 3000
BAD_VALUES: dict[str, str | list[str]] = {
    "nul": "a\x00b",
    "control characters": "line\x0bbreak\x1b[31m\x07",
    "past the integer": str(MAX_ID + 1),
    "thirty digits": "9" * 30,
    "negative": "-1",
    "float overflow": "1e309",
    "non-ASCII digit": "\u0663",
    "long text": LONG_TEXT,
    "sent twice": ["1", "2"],
}
PATH_ID_VALUES = {"past the integer": str(MAX_ID + 1), "twenty digits": "9" * 20}
PATH_TEXT_VALUES = {"nul": "a\x00b", "control characters": "a\x1bb", "long text": LONG_TEXT}
OVERSIZED = "x" * (300 * 1024)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# Pages not worth crawling through: downloads are walked, but their bodies hold no links.
DOWNLOAD = re.compile(r"\.(pdf|zip|csv|ics|svg|json|css|js|png|ico)$")
NAME = re.compile(r"""\bname=["']([^"']+)["']""")
LINK = re.compile(r"""\b(?:href|action|src)=["'](/[^"'#]*)["']""")
PAGES_PER_ROUTE = 3  # crawling more of one route's pages finds no new routes or fields
READ_IN_CODE = re.compile(r"""request\.(?:args|form|values)(?:\.get)?[\(\[]\s*["']([^"']+)["']""")


TEXT_INPUTS = {"text", "email", "search", "tel", "url", "password", ""}
NUMBER_INPUTS = {"number", "hidden"}


@dataclass
class PageForm:
    """A form as a page shows it: where it goes, and the values it would send as it is."""

    action: str
    method: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # name, kind, value

    def values(self, replace: str | None = None, value: str = "") -> MultiDict:
        return MultiDict(
            [(name, value if name == replace else own) for name, _kind, own in self.fields]
        )


class FormReader(HTMLParser):
    """Every <form> of a page, with the values its fields hold as the page is shown."""

    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = attrs.get("action") or self.page_path
            self._form = PageForm(action, (attrs.get("method") or "get").upper())
            self.forms.append(self._form)
        if self._form is None or (tag != "option" and "disabled" in attrs):
            return
        name = attrs.get("name")
        kind = attrs.get("type", "").lower()
        if tag == "input" and name and kind not in {"submit", "button", "file", "image", "reset"}:
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self._form.fields.append((name, kind, attrs.get("value", "on")))
        elif tag == "button" and name and kind in {"", "submit"}:
            self._form.fields.append((name, "button", attrs.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_value = name, None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in attrs:
                self._select_value = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            self._form.fields.append((self._select, "select", self._select_value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea, "textarea", "".join(self._text)))
            self._textarea = None


@pytest.fixture
def app_config() -> dict:
    # The throttles are tested elsewhere; here they would only hide the routes behind them.
    return {"CHECKIN_JOIN_LIMIT": "1000000 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "1000000/minute"}


@dataclass
class Walk:
    app: object
    lead_email: str
    guesses: dict[str, str] = field(default_factory=dict)  # path part name -> a real value
    real_paths: dict[str, str] = field(default_factory=dict)  # rule -> a path of the crawl
    forms: dict[tuple, PageForm] = field(default_factory=dict)  # one form per route and fields
    form_requests: int = 0
    names: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    routes: int = 0
    _lead: object = None  # the signed-in client, until something signs it out
    _counts: tuple[int, ...] | None = None  # the row counts after the last request checked

    # ------------------------------------------------------------ clients

    def anonymous(self):
        return self.app.test_client()

    def signed_in(self):
        if self._lead is None:
            client = self.app.test_client()
            data = {"email": self.lead_email, "password": DEMO_PASSWORD}
            assert client.post("/login", data=data).status_code == 302, "the lead cannot sign in"
            self._lead, self._counts = client, None
        return self._lead

    def client_for(self, endpoint: str):
        rule = access_rule_for(endpoint) or frozenset()
        return self.anonymous() if PUBLIC in rule else self.signed_in()

    # ------------------------------------------------------------ crawling

    def rule_of(self, path: str, method: str = "GET"):
        adapter = self.app.url_map.bind("localhost")
        try:
            rule, _ = adapter.match(path, method=method, return_rule=True)
        except (NotFound, MethodNotAllowed, RequestRedirect):
            return None
        return rule

    def crawl(self) -> None:
        """Visit the demo school's pages from the start, as the lead and anonymously,
        keeping one real path per route and every field name seen."""
        for client, start in ((self.signed_in(), "/dashboard"), (self.anonymous(), "/login")):
            queue, seen, visits = deque([start, "/join"]), set(), {}
            while queue:
                path = queue.popleft()
                if path in seen:
                    continue
                seen.add(path)
                split = urlsplit(path)
                for method in ("GET", "POST"):
                    rule = self.rule_of(split.path, method)
                    if rule is not None:
                        self.real_paths.setdefault(rule.rule, split.path)
                rule = self.rule_of(split.path)
                if rule is None or DOWNLOAD.search(split.path) or rule.endpoint.endswith("logout"):
                    continue
                visits[rule.rule] = visits.get(rule.rule, 0) + 1
                if visits[rule.rule] > PAGES_PER_ROUTE:
                    continue
                response = client.get(path)
                self.check(response, f"GET {path} (crawling)", before=None)
                if "text/html" not in response.content_type:
                    continue
                page = response.get_data(as_text=True)
                self.names.update(NAME.findall(page))
                reader = FormReader(split.path)
                reader.feed(page)
                for form in reader.forms:
                    target = self.rule_of(urlsplit(form.action).path, form.method)
                    if target is not None and form.method == "POST":
                        key = (target.rule, tuple(sorted(name for name, _, _ in form.fields)))
                        self.forms.setdefault(key, form)
                queue.extend(link.replace("&amp;", "&") for link in LINK.findall(page))

    def collect_names_from_code(self) -> None:
        from flask_wtf import FlaskForm

        forms, stack = set(), [FlaskForm]
        while stack:
            for subclass in stack.pop().__subclasses__():
                forms.add(subclass)
                stack.append(subclass)
        for form in forms:
            for name in dir(form):
                if isinstance(getattr(form, name, None), UnboundField):
                    self.names.add(name)
        for source in PACKAGE.rglob("*.py"):
            self.names.update(READ_IN_CODE.findall(source.read_text()))

    # ------------------------------------------------------------ paths

    def path_for(self, rule, replace: dict[str, str] | None = None) -> str:
        """A path for `rule`: its crawled real one, or built from guesses; `replace`
        puts other values in some of its parts."""
        real = self.real_paths.get(rule.rule)
        values = {}
        if real is not None:
            _, values = self.app.url_map.bind("localhost").match(real, method=_method(rule))
        path = rule.rule
        for name, converter in rule._converters.items():
            guess = "1" if type(converter).__name__.endswith("IntegerConverter") else "x"
            guess = self.guesses.get(name, guess)
            value = (replace or {}).get(name, str(values.get(name, guess)))
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", quote(value, safe="/"), path)
        return path

    # ------------------------------------------------------------ checks

    def fingerprint(self) -> tuple[int, ...]:
        db.session.rollback()
        counts = [select(func.count()).select_from(t).scalar_subquery() for t in TABLES()]
        return tuple(db.session.execute(select(*counts)).one())

    def stored_bad_values(self) -> list[str]:
        """Tables holding a number past the integer range or the long text (one query)."""
        db.session.rollback()
        tables, counts = [], []
        for table in TABLES():
            conditions = []
            for column in table.columns:
                if isinstance(column.type, Integer):  # (cast: PostgreSQL types the bound value)
                    conditions.append(cast(column, BigInteger) > MAX_ID)
                elif isinstance(column.type, String | Text):
                    conditions.append(func.length(column) >= len(LONG_TEXT))
            if conditions:
                tables.append(table.name)
                counts.append(
                    select(func.count()).select_from(table).where(db.or_(*conditions))
                    .scalar_subquery()
                )  # fmt: skip
        found = db.session.execute(select(*counts)).one()
        return [name for name, count in zip(tables, found, strict=True) if count]

    def check(self, response, what: str, *, before: tuple[int, ...] | None) -> None:
        self.requests += 1
        status = response.status_code
        if status >= 500:
            self.problems.append(f"{what}: {status}")
        for header, value in SECURITY_HEADERS.items():
            if response.headers.get(header) != value:
                self.problems.append(f"{what}: {status} without {header}")
        csp = response.headers.get("Content-Security-Policy", "")
        if "frame-ancestors 'none'" not in csp or "object-src 'none'" not in csp:
            self.problems.append(f"{what}: {status} without the CSP")
        location = response.headers.get("Location", "")
        if self._lead is not None and urlsplit(location).path == "/login":
            self._lead = None  # signed out (or timed out): sign in again for the next
        if before is None:
            self._counts = None
            return
        after = self._counts = self.fingerprint()
        if status >= 400 and after != before:
            changed = [t.name for t, b, a in zip(TABLES(), before, after, strict=True) if a != b]
            self.problems.append(f"{what}: {status} but rows changed in {changed}")
        if status < 400 and (after != before or response.request.method == "POST"):
            stored = self.stored_bad_values()
            if stored:
                self.problems.append(f"{what}: {status} and bad values stored in {stored}")

    def send(self, client, method: str, path: str, what: str, **kwargs) -> None:
        before = self._counts or self.fingerprint()
        response = client.open(path, method=method, **kwargs)
        self.check(response, f"{method} {path[:80]!r} {what}", before=before)

    # ------------------------------------------------------------ the walk

    def walk(self) -> None:
        rules = sorted(self.app.url_map.iter_rules(), key=lambda r: (_method(r) != "GET", r.rule))
        for rule in rules:
            self.routes += 1
            client = self.client_for(rule.endpoint)
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            real = self.path_for(rule)
            for method in methods:
                self.walk_path_values(client, rule, method)
                for label, value in BAD_VALUES.items():
                    fields = MultiDict([(n, v) for n in sorted(self.names) for v in _listed(value)])
                    if method == "POST":  # in the body and the query string at once
                        sent = {"data": fields, "query_string": fields}
                    else:
                        sent = {"query_string": fields}
                    self.send(client, method, real, label, **sent)
                if method == "POST":
                    files = {n: (io.BytesIO(b"\x00file"), "notes.txt") for n in self.names}
                    self.send(client, method, real, "files", data=files)
                    self.send(client, method, real, "oversized", data={"notes": OVERSIZED})
            self.send(client, "PUT" if "PUT" not in methods else "DELETE", real, "method")

    def walk_forms(self) -> None:
        """Each form the pages show, sent as shown but for one field at a time: control
        characters in a text field must be refused (4xx); an id or number past the
        integer in any other field must never give a 500 or be stored."""
        for (rule_path, _names), form in sorted(self.forms.items()):
            rule = next(r for r in self.app.url_map.iter_rules() if r.rule == rule_path)
            for name, kind, _value in form.fields:
                if kind in TEXT_INPUTS | {"textarea"}:
                    values = {k: BAD_VALUES[k] for k in ("nul", "control characters")}
                elif kind in NUMBER_INPUTS | {"select"}:
                    values = {k: BAD_VALUES[k] for k in ("past the integer", "thirty digits")}
                else:
                    continue
                for label, value in values.items():
                    client = self.client_for(rule.endpoint)
                    before = self._counts or self.fingerprint()
                    response = client.post(form.action, data=form.values(name, value))
                    what = f"POST {form.action} form field {name}: {label}"
                    self.form_requests += 1
                    self.check(response, what, before=before)
                    if label in {"nul", "control characters"} and response.status_code < 400:
                        self.problems.append(f"{what}: {response.status_code}, not refused")

    def walk_path_values(self, client, rule, method: str) -> None:
        for name, converter in rule._converters.items():
            is_id = type(converter).__name__.endswith("IntegerConverter")
            for label, value in (PATH_ID_VALUES if is_id else PATH_TEXT_VALUES).items():
                path = self.path_for(rule, {name: value})
                self.send(client, method, path, f"path {name}: {label}")


def TABLES():
    return db.metadata.sorted_tables


def _method(rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]


def _listed(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def test_every_route_refuses_bad_input_cleanly_and_stores_nothing(app, backend, capsys):
    demo = seed_demo(password=DEMO_PASSWORD, today=date.today())
    open_code = db.session.scalar(select(CheckIn.join_code).where(CheckIn.closed_at.is_(None)))
    walk = Walk(app, demo.lead.email, {"code": open_code, "filename": "css/app.css"})
    walk.collect_names_from_code()
    walk.crawl()
    db.session.execute(text("SELECT 1"))
    walk.walk_forms()
    walk.walk()
    assert walk.routes == len(list(app.url_map.iter_rules()))
    with capsys.disabled():
        print(
            f"\n[{backend}] walked {walk.routes} routes with {len(BAD_VALUES)} bad values in "
            f"{len(walk.names)} fields, real paths crawled for {len(walk.real_paths)}: "
            f"{walk.requests} requests, {walk.form_requests} of them forms one field at a time "
            f"({len(walk.forms)} forms)"
        )
    assert not walk.problems, f"{len(walk.problems)} problems:\n" + "\n".join(walk.problems[:60])
