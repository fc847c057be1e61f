"""The self-check quiz in a real headless Chromium, opened from file:// as a learner would.

Screenshots go to ``test-artifacts/site/quiz-*.png`` for people to look at.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from grader.sitegen import content
from tests.browser import ARTIFACTS as BROWSER_ARTIFACTS, Watched
from tests.site_support import build

pytestmark = pytest.mark.browser

ARTIFACTS = BROWSER_ARTIFACTS / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    build(out, tmp_path_factory.mktemp("home"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def quiz():
    topics, questions = content.load_questions()
    return content.load_quiz(topic_ids={t.id for t in topics}, question_ids={q.id for q in questions})


@pytest.fixture()
def context(browser):
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    yield ctx
    ctx.close()


def open_quiz(context, site: Path) -> Watched:
    w = Watched(context)
    w.page.goto((site / "quiz.html").as_uri())
    return w


def form(w: Watched, qid: str):
    return w.page.locator(f"form#quiz-{qid}")


def choose(w: Watched, question, index: int) -> None:
    """Click the label of a choice, as a reader does, then the Check button."""
    f = form(w, question.id)
    f.locator("label.quiz-choice").nth(index).click()
    f.get_by_role("button").click()


def type_number(w: Watched, question, text: str) -> None:
    f = form(w, question.id)
    f.locator("input.quiz-number-input").fill(text)
    f.get_by_role("button").click()


def score(w: Watched) -> tuple[str, str]:
    lang = w.page.get_attribute("html", "data-lang") or "en"
    status = w.page.locator(f"#quiz-score .{lang}")
    return status.locator("[data-quiz-right]").inner_text(), status.locator("[data-quiz-answered]").inner_text()


def shot(page, name: str, *, full: bool = False) -> None:
    page.screenshot(path=str(ARTIFACTS / f"quiz-{name}.png"), full_page=full)


def choice_questions(quiz):
    return [q for q in quiz if q.kind == "choice"]


def test_a_right_and_a_wrong_choice_in_both_languages(site, context, quiz):
    first, second, third, fourth = choice_questions(quiz)[:4]
    w = open_quiz(context, site)
    assert score(w) == ("0", "0")

    choose(w, first, first.correct)
    f = form(w, first.id)
    assert "✓ Right." in f.locator(".quiz-verdict .en").inner_text()
    assert f.locator(".quiz-explanation .prose.en").is_visible()
    assert not f.locator(".quiz-explanation .prose.zh").is_visible()
    assert f.locator(".quiz-choice.is-correct").count() == 1
    assert score(w) == ("1", "1")

    wrong = (second.correct + 1) % len(second.choices)
    choose(w, second, wrong)
    f = form(w, second.id)
    verdict = f.locator(".quiz-verdict .en").inner_text()
    assert verdict.startswith("✗ Not quite. The answer is:")
    right_text = f.locator("label.quiz-choice").nth(second.correct).locator(".quiz-choice-text .en").inner_text()
    assert right_text in verdict
    assert f.locator("label.quiz-choice").nth(wrong).get_attribute("class").endswith("is-chosen-wrong")
    assert f.locator("input:disabled").count() == len(second.choices)
    assert score(w) == ("1", "2")
    f.scroll_into_view_if_needed()
    shot(w.page, "en-answered")

    # The feedback already shown, and new feedback, follow the language switch.
    w.page.click("#lang-switch")
    assert f.locator(".quiz-verdict .zh").is_visible() and not f.locator(".quiz-verdict .en").is_visible()
    assert f.locator(".quiz-verdict .zh").inner_text().startswith("✗ 不对。正确答案是：")
    assert f.locator(".quiz-explanation .prose.zh").is_visible()
    choose(w, third, third.correct)
    assert form(w, third.id).locator(".quiz-verdict .zh").inner_text() == "✓ 回答正确。"
    choose(w, fourth, (fourth.correct + 1) % len(fourth.choices))
    assert "不对" in form(w, fourth.id).locator(".quiz-verdict .zh").inner_text()
    assert score(w) == ("2", "4")
    assert "已答 4 题，答对 2 题" in w.page.locator("#quiz-score .zh").inner_text()
    form(w, second.id).scroll_into_view_if_needed()
    shot(w.page, "zh-answered")
    w.page.click("#lang-switch")  # leave English for the other tests
    assert w.problems == []


def test_numeric_answers_count_within_their_tolerance(site, context, quiz):
    tolerant = next(q for q in quiz if q.kind == "number" and q.tolerance > 0)
    exact = next(q for q in quiz if q.kind == "number" and q.id != tolerant.id)
    w = open_quiz(context, site)

    # Nothing typed: a prompt, and nothing is scored.
    form(w, tolerant.id).get_by_role("button").click()
    assert form(w, tolerant.id).locator(".quiz-verdict .en").inner_text() == "Type a number first."
    assert score(w) == ("0", "0")

    near = tolerant.answer + 0.9 * tolerant.tolerance
    type_number(w, tolerant, f"{near:.6g}")
    verdict = form(w, tolerant.id).locator(".quiz-verdict .en").inner_text()
    assert verdict.startswith("✓ Right: the answer is") and "within ±" in verdict
    assert score(w) == ("1", "1")

    # The Enter key submits too; a wrong number is answered with the right one.
    f = form(w, exact.id)
    f.locator("input.quiz-number-input").fill(f"{exact.answer + exact.tolerance + 1:g}")
    f.locator("input.quiz-number-input").press("Enter")
    verdict = f.locator(".quiz-verdict .en").inner_text()
    assert verdict.startswith("✗ Not quite: you answered") and f"the answer is {exact.answer:g}" in verdict
    assert f.locator(".quiz-explanation").is_visible()
    assert score(w) == ("1", "2")
    f.scroll_into_view_if_needed()
    shot(w.page, "numeric")
    assert w.problems == []


def test_numbers_are_read_as_people_write_them(site, context, quiz):
    """A decimal comma, grouped thousands, a fraction and full-width digits are numbers; words are
    not, and say so without scoring anything."""
    by_id = {q.id: q for q in quiz}
    wavelength, bytes_7b = by_id["pe-fastest-wavelength"], by_id["kv-cache-bytes-7b"]
    exact_one = next(q for q in quiz if q.kind == "number" and q.answer == 1 and q.tolerance == 0)
    eight = next(q for q in quiz if q.kind == "number" and q.answer == 8)
    w = open_quiz(context, site)

    type_number(w, wavelength, "two pi")
    verdict = form(w, wavelength.id).locator(".quiz-verdict .en").inner_text()
    assert verdict.startswith("That is not a number this page can read"), verdict
    assert score(w) == ("0", "0")

    form(w, wavelength.id).locator("input.quiz-number-input").fill("6,28")
    form(w, wavelength.id).get_by_role("button").click()
    assert form(w, wavelength.id).locator(".quiz-verdict .en").inner_text().startswith("✓ Right")
    type_number(w, exact_one, "3/3")
    assert form(w, exact_one.id).locator(".quiz-verdict .en").inner_text().startswith("✓ Right")
    type_number(w, eight, "\uff18")  # a full-width 8, as a Chinese keyboard may type it
    assert form(w, eight.id).locator(".quiz-verdict .en").inner_text().startswith("✓ Right")
    type_number(w, bytes_7b, "1,024")  # grouped thousands, and wrong: the verdict shows how it was read
    verdict = form(w, bytes_7b.id).locator(".quiz-verdict .en").inner_text()
    assert verdict.startswith("✗ Not quite: you answered 1024;"), verdict
    assert score(w) == ("3", "4")
    assert w.problems == []


def test_progress_survives_a_reload_and_start_again_clears_it(site, context, quiz):
    first, second = choice_questions(quiz)[:2]
    number = next(q for q in quiz if q.kind == "number")
    w = open_quiz(context, site)
    choose(w, first, first.correct)
    choose(w, second, (second.correct + 1) % len(second.choices))
    type_number(w, number, f"{number.answer:g}")
    assert score(w) == ("2", "3")

    w.page.reload()
    assert score(w) == ("2", "3")
    assert form(w, first.id).locator(".quiz-verdict .en").inner_text() == "✓ Right."
    assert form(w, second.id).locator(".quiz-verdict").get_attribute("class") == "quiz-verdict wrong"
    assert form(w, number.id).locator("input.quiz-number-input").input_value() == f"{number.answer:g}"
    assert form(w, first.id).locator("input:checked").get_attribute("value") == str(first.correct)
    assert form(w, first.id).get_by_role("button").get_attribute("aria-disabled") == "true"
    assert w.page.locator(".quiz-meter").get_attribute("aria-valuenow") == "3"
    shot(w.page, "restored")

    # "Start again" asks first: declining keeps every answer, accepting clears them.
    asked = []
    w.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    w.page.click("#quiz-reset")
    assert asked == ["Clear all 3 of your answers? They cannot be brought back."]
    assert score(w) == ("2", "3") and w.page.locator(".quiz-question.is-answered").count() == 3
    w.page.once("dialog", lambda dialog: dialog.accept())
    w.page.click("#quiz-reset")
    assert score(w) == ("0", "0")
    assert w.page.locator("#quiz-reset-status .en").inner_text() == "Your answers were cleared."
    assert w.page.locator(".quiz-question.is-answered").count() == 0
    assert w.page.locator(".quiz-explanation:visible").count() == 0
    assert w.page.locator("input:checked").count() == 0 and w.page.locator("input:disabled").count() == 0
    w.page.reload()
    assert score(w) == ("0", "0") and w.page.locator(".quiz-question.is-answered").count() == 0
    assert w.problems == []


def test_keyboard_only(site, context, quiz):
    question = choice_questions(quiz)[0]
    w = open_quiz(context, site)
    form(w, question.id).locator("input[type=radio]").first.focus()
    w.page.keyboard.press("Space")
    for _ in range(question.correct):
        w.page.keyboard.press("ArrowDown")
    w.page.keyboard.press("Tab")
    assert w.page.evaluate("document.activeElement.classList.contains('quiz-check')")
    w.page.keyboard.press("Enter")
    assert form(w, question.id).locator(".quiz-verdict .en").inner_text() == "✓ Right."
    # The pressed button keeps the focus, so the next Tab continues from there.
    assert w.page.evaluate("document.activeElement.classList.contains('quiz-check')")
    assert w.problems == []


def test_every_quiz_link_resolves(site, context, quiz):
    w = open_quiz(context, site)
    links = w.page.eval_on_selector_all(".quiz-more a", "els => els.map(a => a.href)")
    assert len(links) == len(quiz)
    ids: dict[str, set[str]] = {}
    for href in links:
        parts = urlsplit(href)
        assert parts.scheme == "file" and parts.fragment, href
        target = Path(parts.path)
        assert target.is_file(), href
        if target not in ids:
            other = context.new_page()
            other.goto(target.as_uri())
            ids[target] = set(other.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
            other.close()
        assert parts.fragment in ids[target], href
    assert w.problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_desktop_and_phone(site, browser, quiz, scheme):
    question = choice_questions(quiz)[1]
    for name, options in (("desktop", {"viewport": {"width": 1280, "height": 900}}),
                          ("phone", {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
                                     "is_mobile": True, "has_touch": True})):
        ctx = browser.new_context(color_scheme=scheme, **options)
        try:
            w = open_quiz(ctx, site)
            width = w.page.evaluate("document.documentElement.scrollWidth")
            assert width <= options["viewport"]["width"], f"{name}: scrolls sideways ({width}px)"
            shot(w.page, f"{name}-{scheme}-top")
            choose(w, question, (question.correct + 1) % len(question.choices))
            f = form(w, question.id)
            f.scroll_into_view_if_needed()
            # The sticky score bar stays in view and leaves most of the screen to the questions.
            bar = w.page.locator(".quiz-status").bounding_box()
            assert 0 <= bar["y"] < options["viewport"]["height"] / 2, name
            assert bar["height"] < options["viewport"]["height"] / 6, name
            assert w.page.evaluate("document.documentElement.scrollWidth") <= options["viewport"]["width"]
            shot(w.page, f"{name}-{scheme}-answered")
            assert w.problems == []
        finally:
            ctx.close()


HIDDEN_BY_THE_BAR = """el => {
    const bar = document.querySelector('.quiz-status').getBoundingClientRect();
    const box = el.getBoundingClientRect();
    return !el.closest('.quiz-status') && box.top < bar.bottom && box.bottom > bar.top;
}"""


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 667},
                                      {"width": 320, "height": 640}])
def test_the_score_bar_hides_no_heading_or_focused_control(site, browser, viewport):
    """At 320 px the bar wraps to more lines than the room kept clear above a focused control."""
    ctx = browser.new_context(viewport=viewport)
    try:
        w = open_quiz(ctx, site)
        links = w.page.locator("nav.topics a")
        for i in range(links.count()):
            w.page.goto((site / "quiz.html").as_uri())
            links.nth(i).click()
            heading = w.page.locator(w.page.evaluate("location.hash") + " h2")
            assert not heading.evaluate(HIDDEN_BY_THE_BAR), links.nth(i).inner_text()
        # Tabbing backwards from far down the page scrolls each control clear of the bar.
        w.page.locator(".quiz-check").nth(12).focus()
        for _ in range(30):
            w.page.keyboard.press("Shift+Tab")
            assert not w.page.evaluate(f"({HIDDEN_BY_THE_BAR})(document.activeElement)")
        assert w.problems == []
    finally:
        ctx.close()


def test_without_javascript_no_dead_control_and_the_answers_stay_folded(site, browser, quiz):
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, java_script_enabled=False)
    try:
        w = open_quiz(ctx, site)
        notice = w.page.locator("noscript .callout .en")
        assert notice.is_visible() and "open “Show the answer and why”" in notice.inner_text()
        for control in ("#lang-switch", ".quiz-status", "#quiz-reset", ".quiz-check"):
            assert w.page.locator(f"{control}:visible").count() == 0, control
        # Each explanation waits, folded, until the reader asks for it; then it gives the answer.
        question = choice_questions(quiz)[1]
        f = form(w, question.id)
        assert not f.locator(".quiz-explanation .prose.en").is_visible()
        f.locator(".quiz-explanation > summary").click()
        right = f.locator("label.quiz-choice").nth(question.correct).locator(".quiz-choice-text .en").inner_text()
        assert right in f.locator(".quiz-key").inner_text()
        assert f.locator(".quiz-explanation .prose.en").is_visible()
        # Enter in a number field must not reload the page with ?answer=… in its address.
        number = next(q for q in quiz if q.kind == "number")
        form(w, number.id).locator("input.quiz-number-input").fill("1")
        form(w, number.id).locator("input.quiz-number-input").press("Enter")
        assert "?" not in w.page.url
        shot(w.page, "no-javascript")
        assert w.problems == []
    finally:
        ctx.close()


def test_with_javascript_the_no_script_help_is_absent(site, context, quiz):
    w = open_quiz(context, site)
    assert w.page.locator(".quiz-explanation:visible, .quiz-key:visible").count() == 0
    question = choice_questions(quiz)[0]
    choose(w, question, question.correct)
    f = form(w, question.id)
    assert f.locator(".quiz-explanation .prose.en").is_visible()
    assert not f.locator(".quiz-explanation > summary").is_visible() and not f.locator(".quiz-key").is_visible()
    assert w.problems == []


def test_start_again_asks_in_the_readers_language(site, context, quiz):
    question = choice_questions(quiz)[0]
    w = open_quiz(context, site)
    w.page.click("#lang-switch")
    choose(w, question, question.correct)
    asked = []
    w.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    w.page.click("#quiz-reset")
    assert len(asked) == 1 and "清除" in asked[0] and "1" in asked[0]
    assert score(w) == ("1", "1")
    w.page.click("#lang-switch")  # leave English for the other tests
    assert w.problems == []


def test_a_rejected_number_says_what_to_leave_out(site, context, quiz):
    """"15%" or "2π" was refused as "not a number" with no word about the % or the π."""
    by_id = {q.id: q for q in quiz}
    percentage, wavelength = by_id["bert-mask-rate"], by_id["pe-fastest-wavelength"]
    w = open_quiz(context, site)
    for question, typed in ((percentage, "15%"), (wavelength, "2π"), (wavelength, "6.28 positions")):
        type_number(w, question, typed)
        verdict = form(w, question.id).locator(".quiz-verdict .en").inner_text()
        assert all(word in verdict for word in ("units", "%", "words")), verdict
    assert score(w) == ("0", "0")
    w.page.click("#lang-switch")
    verdict = form(w, wavelength.id).locator(".quiz-verdict .zh").inner_text()
    assert all(word in verdict for word in ("单位", "%", "文字")), verdict
    w.page.click("#lang-switch")  # leave English for the other tests
    assert w.problems == []


def test_try_again_clears_only_that_question(site, context, quiz):
    """A wrong answer locked its question; the only way back was "Start again", which wiped every answer."""
    first, second = choice_questions(quiz)[:2]
    number = next(q for q in quiz if q.kind == "number")
    w = open_quiz(context, site)
    choose(w, first, first.correct)
    assert form(w, first.id).get_by_role("button", name="Try again").count() == 0  # right: nothing to retry
    choose(w, second, (second.correct + 1) % len(second.choices))
    type_number(w, number, f"{number.answer + number.tolerance + 1:g}")
    assert score(w) == ("1", "3")

    f = form(w, number.id)
    again = f.get_by_role("button", name="Try again")
    again.focus()
    w.page.keyboard.press("Enter")  # by keyboard
    assert score(w) == ("1", "2")
    assert f.locator("input.quiz-number-input").is_enabled() and f.locator("input.quiz-number-input").input_value() == ""
    assert not f.locator(".quiz-explanation").is_visible() and f.locator(".quiz-verdict").inner_text() == ""
    assert w.page.evaluate("document.activeElement.classList.contains('quiz-number-input')")
    assert again.count() == 0
    assert "is-wrong" in form(w, second.id).get_attribute("class")  # the other answers stay
    type_number(w, number, f"{number.answer:g}")
    assert score(w) == ("2", "3")
    w.page.reload()
    assert score(w) == ("2", "3")

    w.page.click("#lang-switch")
    f = form(w, second.id)
    f.get_by_role("button", name="再试一次").click()
    assert score(w) == ("2", "2") and f.locator("input:checked").count() == 0
    choose(w, second, second.correct)
    assert score(w) == ("3", "3")
    w.page.click("#lang-switch")  # leave English for the other tests
    assert w.problems == []
