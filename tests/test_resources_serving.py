"""A lesson's SVG resources served to staff: the right file, type and headers, else 404."""

from __future__ import annotations

import pytest

from cmt_schools.curriculum.resource_checks import resource_path

from .curriculum_fixtures import APP_LESSON

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@pytest.fixture
def teacher_client(client, auth, make_teacher):
    auth.login(make_teacher())
    return client


def test_a_declared_resource_is_served_as_svg_with_a_strict_policy(
    lessons_with_resources, teacher_client
):
    resource = lessons_with_resources.resources[-3]
    assert resource.id == "test-board-picture"
    response = teacher_client.get(f"/lessons/{APP_LESSON}/resources/{resource.id}.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data == resource_path(lessons_with_resources, resource).read_bytes()
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'none'", "script-src 'none'", "object-src 'none'", "sandbox"):
        assert directive in csp
    assert "frame-ancestors 'none'" in csp and "nonce" not in csp


@pytest.mark.parametrize(
    "path",
    [
        f"/lessons/{APP_LESSON}/resources/no-such-picture.svg",
        "/lessons/ks2/no-such-lesson/resources/test-board-picture.svg",
        "/lessons/ks9/02-three-systems/resources/test-board-picture.svg",
        # another lesson's id, and a path that climbs out: never a file outside the lesson's
        "/lessons/ks3/02-three-systems/resources/test-board-picture.svg",
        f"/lessons/{APP_LESSON}/resources/..%2F..%2F..%2Flessons%2Fks2%2F02-three-systems.svg",
    ],
)
def test_an_unknown_resource_is_a_404_with_the_security_headers(
    lessons_with_resources, teacher_client, path
):
    response = teacher_client.get(path)
    assert response.status_code == 404
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_declared_resource_whose_file_is_gone_is_a_404(lessons_with_resources, teacher_client):
    resource = lessons_with_resources.resources[-1]
    resource_path(lessons_with_resources, resource).unlink()
    assert (
        teacher_client.get(f"/lessons/{APP_LESSON}/resources/{resource.id}.svg").status_code == 404
    )


def test_resources_are_for_signed_in_staff(lessons_with_resources, client):
    response = client.get(f"/lessons/{APP_LESSON}/resources/test-board-picture.svg")
    assert response.status_code in (302, 401)
    assert response.mimetype != "image/svg+xml"


def test_the_lesson_page_lists_its_resources_home_card_and_writing_frame(
    lessons_with_resources, teacher_client
):
    import html

    page = html.unescape(teacher_client.get(f"/curriculum/{APP_LESSON}").get_data(as_text=True))
    assert '<h2 id="resources-heading">Resources</h2>' in page
    for resource in lessons_with_resources.resources:
        src = f"/lessons/{APP_LESSON}/resources/{resource.id}.svg"
        assert f'src="{src}" alt="{resource.alt}"' in page
        assert f'<h3 class="resource-name">{resource.title}</h3>' in page
    assert "On the pupils' screen and printed · For: Big idea, Explore" in page
    assert "Print: One set per pair, cut along the dashed lines" in page
    assert f"Home practice card: {lessons_with_resources.home_card.title}" in page
    frame = page.split('<ol class="ws-frame">', 1)[1].split("</ol>", 1)[0]
    assert frame.count("<li>") == 3 and "My engine gets going when ..." in frame


def test_the_presenter_shows_each_steps_pictures_and_what_to_have_ready(
    lessons_with_resources, teacher_client
):
    import html

    page = teacher_client.get(f"/teach/practice/{APP_LESSON}").get_data(as_text=True)
    page = html.unescape(page)
    picture = lessons_with_resources.resources[-3]
    assert page.count(f'alt="{picture.alt}"') == 2  # big idea and explore
    assert (
        "Have ready:</strong> Three friends on a bench (One copy for the wall); "
        "Sorting cards (One set per pair, cut along the dashed lines)"
    ) in page
    assert "Have ready:</strong> Calm corner sign (One for the calm corner)" in page
