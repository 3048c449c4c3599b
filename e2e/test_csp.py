"""Pages work in a real browser under the Content-Security-Policy, which it reports breaking."""

import pytest

from satupintu.malls.tests.factories import MallFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    return problems


def test_swagger_ui_renders_from_our_static_files_under_the_policy(live_server, page):
    problems = _watch(page)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.locator(".opblock").first.wait_for(timeout=15_000)
    assert not problems, problems
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requests)


def test_the_board_and_a_portal_page_break_no_policy(live_server, page):
    mall = MallFactory()
    problems = _watch(page)
    page.goto(f"{live_server.url}/mpp/{mall.slug}/layar/")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    assert not problems, problems
