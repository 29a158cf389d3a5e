"""The web chat page in headless Chromium (Debian's /usr/bin/chromium; no browser downloads)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from http_harness import Stack, answer_text, read_events

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

# Keeps every text the page's status line showed, to see that a reconnect happened.
STATUS_RECORDER = """
window.__statusLog = [];
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("status");
  new MutationObserver(() => window.__statusLog.push(status.textContent))
    .observe(status, {childList: true, characterData: true, subtree: true});
});
"""


@pytest.fixture
def page(stack: Stack) -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing (.ci/run installs it)")
        pytest.skip("/usr/bin/chromium is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(
            locale="ko-KR",
            geolocation={"latitude": 37.5665, "longitude": 126.978},
            permissions=["geolocation"],
        )
        context.add_init_script(STATUS_RECORDER)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(stack.url + "/")
        page.get_by_text("API 토큰").click()
        page.get_by_label("Bearer 토큰 (서버가 요구할 때만)").fill("key-bob")
        page.dispatch_event("#token", "change")
        yield page
        context.close()
        browser.close()


def test_ask_stream_answer_location_prompt_and_character_card(page, fake_llm) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("질문").fill("페트병 어떻게 버려요?")
    page.get_by_label("질문").press("Enter")
    answer = page.locator(".turn.assistant").last
    page.wait_for_function("document.getElementById('status').textContent.includes('답변을 마쳤습니다')")
    assert answer.locator(".stages li").count() >= 2
    text = answer.locator(".body").inner_text()
    assert "근거 규정" in text
    assert answer.locator(".body").get_attribute("aria-busy") == "false"
    assert page.locator("#session-list button[aria-current='true']").count() == 1

    page.get_by_label("질문").fill("근처에 폐건전지 수거함 어디 있어요?")
    page.get_by_role("button", name="보내기").click()
    page.locator("#location-prompt").wait_for(state="visible")
    page.get_by_role("button", name="내 위치 사용").click()
    page.locator("#location-prompt").wait_for(state="hidden")
    page.wait_for_function("document.getElementById('status').textContent.includes('답변을 마쳤습니다')")
    second = page.locator(".turn.assistant").last
    assert second.locator(".stages li[data-stage='location']").inner_text().endswith(("완료", "건너뜀"))
    assert second.locator(".body").inner_text().strip()

    page.get_by_label("질문").fill("페트병 캐릭터가 누구야?")
    page.get_by_label("질문").press("Enter")
    card = page.locator(".turn.assistant").last.locator(".card")
    card.wait_for(state="visible")
    assert card.get_attribute("aria-label") == "캐릭터 카드"
    assert card.locator(".name").inner_text().strip()


def test_answer_survives_a_dropped_connection(page, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    """The first event stream is cut after a few events; the page reconnects with Last-Event-ID."""
    requests: list[dict[str, str]] = []
    kept_ids: list[str] = []

    def cut_first_stream(route) -> None:  # type: ignore[no-untyped-def]
        requests.append(route.request.headers)
        if len(requests) > 1:
            route.continue_()
            return
        response = route.fetch()
        blocks = [b for b in response.text().replace("\r\n", "\n").split("\n\n") if b.startswith("id:")][:8]
        kept_ids.extend(block.splitlines()[0][4:] for block in blocks)
        route.fulfill(status=200, headers=response.headers, body="\n\n".join(blocks) + "\n\n")

    page.route("**/api/v1/chat/*/events", cut_first_stream)
    page.get_by_label("질문").fill("유리병 어떻게 버려요?")
    page.get_by_label("질문").press("Enter")
    page.wait_for_function("document.getElementById('status').textContent.includes('답변을 마쳤습니다')")

    assert len(requests) >= 2 and requests[1].get("last-event-id") == kept_ids[-1]
    job_id = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)"
                           ".find(n => n.endsWith('/events')).split('/').at(-2)")
    with httpx.Client(base_url=stack.url, headers={"Authorization": "Bearer key-bob"}) as client:
        events = read_events(client, job_id, headers={})
    shown = page.locator(".turn.assistant .body").last.inner_text()
    assert _words(shown) == _words(answer_text(events))


def _words(text: str) -> list[str]:
    return [word.strip(".:") for word in text.replace("-", " ").split() if not word.strip(".").isdigit()]
