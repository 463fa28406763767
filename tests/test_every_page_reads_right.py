"""Every page of the demo school, as the lead, as a teacher and as a pupil: no id is used
twice on a page (a label or an aria reference would point at the wrong element), and no
count reads "1 lessons" or "8 classs".

The pages are found by crawling from each role's start, so a page added later is read too.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from cmt_schools.checkins.models import CheckIn
from cmt_schools.demo import seed_demo
from cmt_schools.extensions import db

from .checkins_fixtures import ALL_THREES, pupil_submits

pytestmark = pytest.mark.slow

PASSWORD = "crawl every page words"
LINK = re.compile(r"""\bhref=["'](/[^"'#]*)["']""")
DOWNLOAD = re.compile(r"\.(pdf|zip|csv|ics|svg|json|css|js|png|ico)$|/feeds/")
PAGES_PER_ROUTE = 4
# "1 lessons", "1 classes": a one followed by a plural. The words below end in s and are
# not plurals; a number before them is not a count ("Lesson 1 is", "Year 1 has").
ONE_AND_A_PLURAL = re.compile(
    r"(?<![\d.,:/-])\b1 (?:(?:[a-z]+ed|new|more|other|free) )?([a-z][a-z-]*[^su\W]s)\b"
)
NOT_PLURALS = {"has", "was", "its", "this", "is", "as", "does", "goes", "always", "plus"}
# "8 classs", "3 crosss": the plural made by adding an s to a word ending in one.
DOUBLED_S = re.compile(r"\b\d+ ([a-z-]*sss)\b")


class PageReader(HTMLParser):
    """A page's ids and the text a reader hears (scripts and styles left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
        if tag in {"script", "style"}:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def problems_on(path: str, html: str) -> list[str]:
    reader = PageReader()
    reader.feed(html)
    found = []
    repeated = sorted(i for i, n in Counter(reader.ids).items() if n > 1)
    if repeated:
        found.append(f"{path}: repeated ids {repeated}")
    text = " ".join(" ".join(reader.text).split())
    for match in ONE_AND_A_PLURAL.finditer(text):
        if match.group(1) not in NOT_PLURALS:
            found.append(f"{path}: '{text[max(0, match.start() - 30) : match.end() + 10]}'")
    for match in DOUBLED_S.finditer(text):
        found.append(f"{path}: '{text[max(0, match.start() - 30) : match.end() + 10]}'")
    return found


def crawl(app, client, starts: list[str]) -> tuple[list[str], list[str]]:
    """Every page reached by links from `starts` (a few of each route): those read and
    the problems found on them."""
    adapter = app.url_map.bind("localhost")
    queue, seen, visits, read, problems = deque(starts), set(), Counter(), [], []
    while queue:
        path = queue.popleft()
        if path in seen or DOWNLOAD.search(urlsplit(path).path):
            continue
        seen.add(path)
        try:
            rule, _ = adapter.match(urlsplit(path).path, method="GET", return_rule=True)
        except HTTPException:  # not a page of the app, or not one to GET
            continue
        visits[rule.rule] += 1
        if visits[rule.rule] > PAGES_PER_ROUTE:
            continue
        response = client.get(path)
        assert response.status_code < 500, f"{path}: {response.status_code}"
        if "text/html" not in response.content_type or response.status_code != 200:
            continue
        html = response.get_data(as_text=True)
        read.append(path)
        problems.extend(problems_on(path, html))
        queue.extend(link.replace("&amp;", "&") for link in LINK.findall(html))
    return read, problems


def signed_in(app, email: str):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_no_page_repeats_an_id_or_miscounts(app):
    demo = seed_demo(password=PASSWORD, today=date.today())
    problems, pages = [], 0
    for user in (demo.lead, demo.teachers[0]):
        read, found = crawl(app, signed_in(app, user.email), ["/dashboard", "/setup", "/help"])
        assert len(read) > 20, f"{user.email} reached only {read}"
        pages += len(read)
        problems += found
    # A pupil: the public pages, the check-in's questions and its closing screen.
    pupil = app.test_client()
    still_open = CheckIn.closed_at.is_(None) & (CheckIn.closes_at > datetime.now(UTC))
    codes = list(db.session.scalars(select(CheckIn.join_code).where(still_open)))
    assert codes, "the demo has an open check-in"
    starts = ["/join", "/login", "/privacy/pupils", "/privacy"]
    read, found = crawl(app, pupil, starts + [f"/join/{code}" for code in codes])
    pages += len(read)
    problems += found
    for code in codes:
        response, _ = pupil_submits(app.test_client(), code, ALL_THREES)
        problems += problems_on(f"closing screen of {code}", response.get_data(as_text=True))
    assert not problems, f"{len(problems)} problems on {pages} pages:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "html, problem",
    [
        ("<p id='a'></p><p id='a'></p>", "repeated ids ['a']"),
        ("<p>Found: 8 classs</p>", "8 classs"),
        ("<p>It falls on 1 scheduled lessons.</p>", "1 scheduled lessons"),
        ("<p>Lesson 1 is here, 1 class, 2 classes, 1 check-in</p>", None),
    ],
)
def test_the_checks_find_what_they_look_for(html, problem):
    found = problems_on("/page", html)
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0]
