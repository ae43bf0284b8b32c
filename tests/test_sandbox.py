"""The sandbox page in a real browser: headless Chromium (Debian's, by path) driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from bot.app import build_app, stop
from bot.server import ServerThread, make_wsgi
from bot.tasks import TaskQueue
from fakeslack.api import FakeSlack
from fakeslack.render import mrkdwn
from fakeslack.sandbox import Sandbox
from fakeslack.sender import SlackSender, Workspace
from tests.conftest import SECRET, make_settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"

pytestmark = pytest.mark.slow


def test_mrkdwn_is_rendered_and_escaped():
    html = mrkdwn("*bold* _it_ `code` <https://x.io|a link> <@U1> <!here> &lt;script&gt;alert(1)&lt;/script&gt; "
                  "<!date^1764000000^{date_short} at {time}|Nov 24>", name_of=lambda u: "Ana")
    assert "<b>bold</b>" in html and "<i>it</i>" in html and "<code>code</code>" in html
    assert '<a href="https://x.io"' in html and ">a link</a>" in html
    assert "@Ana" in html and "@here" in html and "Nov 24, 2025 at" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.fixture
def sandbox(tmp_path):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: install Debian's chromium (see .ci/run)")
        pytest.skip("No Chromium on this machine (apt-get install chromium); CI always runs these tests")
    fake = FakeSlack().start()
    app = build_app(make_settings(fake, tmp_path), worker=TaskQueue("work", 0), outbox=TaskQueue("slack", 0))
    with ServerThread(make_wsgi(app)) as server:
        page = Sandbox(fake, Workspace(fake, SlackSender(server.url + "/slack/events", SECRET)))
        page.seed()
        page.introduce_people()
        yield fake
    stop(app)
    fake.stop()


@pytest.fixture
def browser_page(sandbox, request):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(30_000)  # a busy machine is slow, not wrong: what is awaited must still come
        page.goto(sandbox.url + "/")
        page.wait_for_selector("#channels a")
        yield page
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
        browser.close()


def act_as(page, user: str) -> None:
    page.select_option("#user", user)


def say(page, text: str, *, thread: bool = False) -> None:
    """Type as a person does: Shift+Enter between lines, Enter to send."""
    box = "#thread-text" if thread else "#text"
    page.fill(box, "")
    for n, line in enumerate(text.split("\n")):
        if n:
            page.press(box, "Shift+Enter")
        page.type(box, line)
    page.press(box, "Enter")


def test_a_short_workshop_through_the_page_as_three_people(browser_page, sandbox):
    page = browser_page
    act_as(page, "USFRAN")
    say(page, "/journey new")  # no title: the form
    page.wait_for_selector(".modal")
    page.click(".modal button[type=submit]")  # empty title: the bot's error shows in the form
    page.wait_for_selector(".modal .error")
    assert "title" in page.inner_text(".modal .error").lower()
    page.fill(".modal input[type=text]", "Checkout redesign")
    page.fill(".modal textarea", "Understand why carts are abandoned")
    page.click(".modal button[type=submit]")
    page.wait_for_selector("text=Checkout redesign: objectives")

    page.click(".msg >> text=Reply in thread")
    act_as(page, "USANA")
    say(page, "Find three quick wins", thread=True)
    page.wait_for_selector("#thread-body >> text=Find three quick wins")
    page.wait_for_selector("#thread-body .reaction")  # the bot's ✅

    act_as(page, "USFRAN")
    page.click("#close-thread")
    for _ in range(3):
        say(page, "/journey next")
    page.wait_for_selector("text=Stage 1 of 5: Awareness")
    stage = page.locator(".msg", has_text="Stage 1 of 5: Awareness").last
    act_as(page, "USBEN")
    stage.locator("button", has_text="2").first.click()  # rate the stage with a button
    page.wait_for_selector("text=You rated Awareness 2")
    stage.locator(".replies").click()
    say(page, "tp: Google ad\npain: pricing unclear", thread=True)
    act_as(page, "USCAT")
    say(page, "pain: can't find the trial", thread=True)
    page.wait_for_selector("#thread-body >> text=can't find the trial")
    # Ben typed two lines (Shift+Enter between them): Slack got one message with both, as from a real client.
    assert any(m.text == "tp: Google ad\npain: pricing unclear" for m in sandbox.channel_messages("CSWORK"))

    act_as(page, "USFRAN")
    say(page, "/journey map")
    picture = page.wait_for_selector("img.upload")
    assert picture.evaluate("img => img.complete && img.naturalWidth") > 1000  # the PNG loaded in the page
    page.wait_for_selector("text=Awareness")


def test_what_people_type_is_shown_as_text_never_run(browser_page):
    page = browser_page
    act_as(page, "USFRAN")
    say(page, "/journey new Safe <b>title</b>")
    page.wait_for_selector("text=Safe <b>title</b>: objectives")
    page.click(".msg >> text=Reply in thread")
    act_as(page, "USANA")
    alerts = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    attack = '<script>alert("x")</script> <img src=x onerror="alert(1)">'
    say(page, attack, thread=True)
    reply = page.wait_for_selector(f"#thread-body >> text={attack}")
    assert reply is not None and alerts == []
    assert page.locator("#thread-body script").count() == 0 and page.locator("#thread-body img").count() == 0
    assert re.search(r"&lt;script&gt;", page.inner_html("#thread-body"))


def test_a_slow_acknowledgement_is_reported_on_the_page():
    from fakeslack.sender import Sent

    fake = FakeSlack()
    now = [100.0]
    page = Sandbox(fake, workspace=None, timer=lambda: now[0])

    def slow():
        now[0] += 3.2  # the bot takes 3.2 s to answer
        return Sent(200, b"", 3.2)

    page._deliver("USANA", slow)
    assert "took 3.2 s to acknowledge; Slack gives up after 3 s" in page.notices[-1][1]
    assert page.notices[-1][0] == "*"


def test_the_page_behaves_like_slack_ephemerals_mentions_forms_edits(browser_page, sandbox):
    page = browser_page
    act_as(page, "USFRAN")
    say(page, "/journey help")
    help_box = page.wait_for_selector(".ephemeral >> text=Run a workshop")
    help_box = page.locator(".ephemeral", has_text="Run a workshop").last
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sandbox-help.png"))
    assert help_box.bounding_box()["height"] < 900, "the help fits a screen"
    help_box.locator(".dismiss").click()  # dismissed, as in Slack
    page.wait_for_selector(".ephemeral >> text=Run a workshop", state="detached")

    say(page, "/journey new Browser flow")
    page.wait_for_selector("text=Browser flow: objectives")
    # A message at the top level: the private hint appears right after it, not at the bottom of the channel.
    act_as(page, "USANA")
    say(page, "Understand churn")
    page.wait_for_selector(".ephemeral >> text=in the thread")
    order = page.eval_on_selector_all("#messages .msg", "ms => ms.map(m => m.innerText)")
    mine = next(i for i, t in enumerate(order) if "Understand churn" in t)
    assert "in the thread" in order[mine + 1]
    act_as(page, "USFRAN")
    say(page, "/journey status")
    page.wait_for_selector(".ephemeral >> text=Current step")
    act_as(page, "USANA")
    page.wait_for_selector(".ephemeral >> text=Current step", state="detached")  # Ana sees only her own
    page.wait_for_selector(".ephemeral >> text=in the thread")

    # @name with the autocomplete: the bot's own example works.
    act_as(page, "USFRAN")
    page.fill("#text", "")
    page.type("#text", "/journey action @an")
    page.wait_for_selector("#mention-list.open >> text=Ana · Marketing")
    page.press("#text", "Tab")
    assert page.input_value("#text") == "/journey action @ana "
    page.type("#text", "Put prices on the landing page due 2026-12-15")
    page.press("#text", "Enter")
    page.wait_for_selector(".msg >> text=New action item")
    assert "@Ana" in page.locator(".msg", has_text="New action item").last.inner_text()

    # A form keeps what was typed when it comes back with an error.
    say(page, "/journey action")
    page.wait_for_selector(".modal")
    page.fill(".modal textarea, .modal input[type=text]", "Call five churned customers")
    page.fill(".modal input[type=date]", "2020-01-01")
    page.click(".modal button[type=submit]")
    page.wait_for_selector(".modal .error")
    assert "passed" in page.inner_text(".modal .error")
    assert page.input_value(".modal textarea, .modal input[type=text]") == "Call five churned customers"
    page.click(".modal .close")

    # Edit and delete a reply: Slack's message_changed and message_deleted reach the bot.
    page.click(".msg:has-text('Browser flow: objectives') >> text=Reply in thread")
    act_as(page, "USBEN")
    say(page, "Shorten the sales cycel", thread=True)
    reply = page.locator("#thread-body .msg", has_text="sales cycel")
    reply.locator(".reaction").wait_for()
    reply.locator(".edit").click()
    page.fill(".edit-form textarea", "Shorten the sales cycle")
    page.press(".edit-form textarea", "Enter")
    page.wait_for_selector("#thread-body >> text=Shorten the sales cycle")
    assert "(edited)" in page.locator("#thread-body .msg", has_text="sales cycle").inner_text()
    page.screenshot(path=str(ARTIFACTS / "sandbox-edited.png"))
    assert "Reply in thread" not in page.locator("#thread-body .msg", has_text="sales cycle").inner_text()
    page.locator("#thread-body .msg", has_text="sales cycle").locator(".delete").click()
    page.wait_for_selector("#thread-body >> text=sales cycle", state="detached")
    act_as(page, "USFRAN")
    say(page, "/journey status")
    page.wait_for_selector(".ephemeral >> text=Current step")
    status = page.locator(".ephemeral", has_text="Current step").last.inner_text()
    assert "Objectives: 0 answers" in status, status  # the deleted reply is no answer


def test_add_to_journey_map_from_a_messages_menu(browser_page, sandbox):
    page = browser_page
    act_as(page, "USFRAN")
    say(page, "/journey new Onboarding")
    page.wait_for_selector("text=Onboarding: objectives")
    for _ in range(3):
        say(page, "/journey next")
    page.wait_for_selector("text=Stage 1 of 5: Awareness")
    page.locator(".msg", has_text="Stage 1 of 5: Awareness").last.locator(".replies").click()
    act_as(page, "USBEN")
    say(page, "pain: pricing unclear", thread=True)
    page.wait_for_selector("#thread-body .reaction")
    page.click("#close-thread")

    # In another channel (the bot isn't in it), Cat writes down what a customer said on the phone.
    act_as(page, "USCAT")
    page.click("#channels >> text=customer-team")
    say(page, "Customer on the phone: <b>I couldn't find the price anywhere</b>")
    act_as(page, "USFRAN")
    message = page.locator(".msg", has_text="couldn't find the price").last
    message.locator(".more").click()  # the message's "More actions" menu
    page.click("#msg-menu >> text=Add to journey map")
    page.wait_for_selector(".modal >> text=What goes on the map")
    assert page.input_value(".modal textarea") == "Customer on the phone: <b>I couldn't find the price anywhere</b>"
    assert "open the message" in page.inner_text(".modal")  # the permalink, and who wrote it
    page.check(".modal input[type=radio][value=evidence]")
    page.click(".modal button[type=submit]")  # no pain point picked: the bot's error, what was chosen kept
    page.wait_for_selector(".modal .error >> text=Pick the pain point")
    assert page.is_checked(".modal input[type=radio][value=evidence]")
    page.select_option(".modal select[name='add_to_map_pain.add_to_map_pain_input']", label="#1 pricing unclear")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sandbox-add-to-map.png"))
    page.click(".modal button[type=submit]")
    page.wait_for_selector(".ephemeral >> text=Added to the map of Onboarding")
    assert page.locator(".modal").count() == 0
    assert "<b>" in page.locator(".ephemeral", has_text="Added to the map").last.inner_text()  # shown as text
    page.click("#channels >> text=journey-workshop")
    say(page, "/journey map")
    page.wait_for_selector("img.upload")
    page.locator(".msg", has_text="Journey map").locator(".replies").first.click()
    page.wait_for_selector("#thread-body >> text=1 piece of evidence from conversations")
