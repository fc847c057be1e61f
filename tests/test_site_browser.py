"""The study site in a real headless Chromium, opened from file:// as a reader would (and,
once, served over HTTP as a course would put it on the web).

Screenshots go to ``test-artifacts/site/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from grader import registry
from grader.sitegen import content
from tests.browser import ARTIFACTS as BROWSER_ARTIFACTS, Watched, printing, served
from tests.site_support import build, html_pages

pytestmark = pytest.mark.browser

ARTIFACTS = BROWSER_ARTIFACTS / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    build(out, tmp_path_factory.mktemp("home"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture()
def context(browser):
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    yield ctx
    ctx.close()


def reader(browser, lang: str, **options):
    """A browser context whose reader chose ``lang`` before opening any page."""
    ctx = browser.new_context(**{"viewport": {"width": 1100, "height": 900}, **options})
    ctx.add_init_script(f"localStorage.setItem('attn-judge.lang', '{lang}')")
    return ctx


def blocked_storage(browser, **options):
    """A browser context that keeps nothing: reading localStorage throws, as where storage is blocked."""
    ctx = browser.new_context(**{"viewport": {"width": 1100, "height": 900}, **options})
    ctx.add_init_script("""Object.defineProperty(window, "localStorage", {
        get() { throw new DOMException("storage is blocked", "SecurityError"); } });""")
    return ctx


@pytest.fixture()
def chinese(browser):
    ctx = reader(browser, "zh")
    yield ctx
    ctx.close()


CJK = re.compile(r"[\u4e00-\u9fff]")
CHINESE_TEXT = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # characters and punctuation


def url(site: Path, relative: str) -> str:
    return (site / relative).as_uri()


def shot(page, name: str, *, full: bool = True) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)


def test_every_page_loads_cleanly(site, context):
    w = Watched(context)
    for path in html_pages(site):
        relative = path.relative_to(site).as_posix()
        w.page.goto(path.as_uri())
        w.page.wait_for_load_state("load")
        assert w.page.title(), relative
        shot(w.page, relative.replace("/", "_").removesuffix(".html"))
    assert w.problems == []


def test_every_page_loads_cleanly_over_http(site, context):
    """Served by a web server, the site is asked for nothing it lacks: no /favicon.ico either, which
    a browser asks for on a reader's first page unless the page names its icon."""
    home = site / "index.html"
    with served(site) as server:
        w = Watched(context, origin=server.url)
        for path in [home, *(page for page in html_pages(site) if page != home)]:
            # The icon comes after "load": a page left before it arrives would abort its request.
            w.page.goto(f"{server.url}/{path.relative_to(site).as_posix()}", wait_until="networkidle")
            assert w.page.title(), path
        w.page.goto("about:blank")
    assert [f"{status} {path}" for status, path in server.answered if status >= 400] == []
    assert w.problems == []


def test_every_internal_link_resolves(site, context):
    w = Watched(context)
    checked_ids: dict[str, set[str]] = {}
    for path in html_pages(site):
        w.page.goto(path.as_uri())
        links = w.page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        for href in links:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https"):
                continue
            assert parts.scheme == "file", href
            target = Path(parts.path)
            assert target.is_file(), f"{path.name}: {href}"
            if parts.fragment:
                key = target.as_posix()
                if key not in checked_ids:
                    other = context.new_page()
                    other.goto(target.as_uri())
                    checked_ids[key] = set(other.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
                    other.close()
                assert parts.fragment in checked_ids[key], f"{path.name}: {href}"
    assert w.problems == []


def test_language_switch_changes_the_statement_and_is_remembered(site, context):
    problem = registry.all_problems()[0]
    w = Watched(context)
    w.page.goto(url(site, f"problem/{problem.id}.html"))
    en_title = w.page.locator("h1 .en")
    zh_title = w.page.locator("h1 .zh")
    assert en_title.is_visible() and not zh_title.is_visible()
    assert w.page.locator("#statement .prose.en").is_visible()
    assert not w.page.locator("#statement .prose.zh").is_visible()

    w.page.click("#lang-switch")
    assert zh_title.is_visible() and not en_title.is_visible()
    assert w.page.locator("#statement .prose.zh").is_visible()
    assert not w.page.locator("#statement .prose.en").is_visible()
    assert w.page.get_attribute("html", "lang") == "zh-Hans"
    # The button is named after the language it switches to, and is no toggle with a state.
    switch = w.page.locator("#lang-switch")
    assert switch.aria_snapshot() == '- button "English"'
    shot(w.page, "zh_problem", full=False)

    # Another page, and this page again: Chinese is remembered.
    w.page.goto(url(site, "index.html"))
    assert w.page.locator(".problem-card h3 .zh").first.is_visible()
    assert w.page.locator(".problem-card h3 .zh").first.inner_text() == problem.title_zh
    shot(w.page, "zh_index", full=False)
    w.page.goto(url(site, "questions.html"))
    assert w.page.locator(".question .answer.zh").first.is_visible()

    w.page.click("#lang-switch")
    w.page.goto(url(site, f"problem/{problem.id}.html"))
    assert en_title.is_visible() and not zh_title.is_visible()
    assert switch.aria_snapshot() == '- button "中文"'
    assert w.problems == []


def test_without_storage_the_language_travels_in_the_links(site, browser):
    """A browser that keeps nothing (storage blocked): Chinese, once chosen, survives following a
    link, a reload and the back button; a shared ?lang=zh link opens in Chinese."""
    ctx = blocked_storage(browser)
    try:
        w = Watched(ctx)
        problem = registry.all_problems()[0]
        w.page.goto(url(site, "index.html"))
        w.page.click("#lang-switch")
        assert w.page.get_attribute("html", "data-lang") == "zh"
        w.page.locator(f"a[href*='problem/{problem.id}.html']").first.click()
        w.page.wait_for_load_state()
        assert w.page.locator("h1 .zh").is_visible() and not w.page.locator("h1 .en").is_visible()
        w.page.reload()
        assert w.page.get_attribute("html", "data-lang") == "zh"
        w.page.go_back()
        assert w.page.get_attribute("html", "data-lang") == "zh"
        w.page.goto(url(site, "questions.html") + "?lang=zh")
        assert w.page.locator(".question .answer.zh").first.is_visible()
        assert w.problems == []
    finally:
        ctx.close()


def test_math_is_mathml(site, context):
    w = Watched(context)
    w.page.goto(url(site, "questions.html"))
    math = w.page.locator("math").first
    assert w.page.evaluate("document.querySelector('math').namespaceURI") == "http://www.w3.org/1998/Math/MathML"
    assert math.bounding_box()["width"] > 0
    block = w.page.locator('math[display="block"]').first
    block.scroll_into_view_if_needed()
    assert block.bounding_box()["height"] > 20  # a fraction stacks vertically
    assert w.problems == []


def test_hints_open_one_at_a_time_and_the_solution_is_a_spoiler(site, context):
    problem = next(p for p in registry.all_problems() if len(p.hints) >= 2)
    w = Watched(context)
    w.page.goto(url(site, f"problem/{problem.id}.html"))
    hints = w.page.locator("details.hint")
    assert hints.count() == len(problem.hints)
    assert hints.nth(0).is_visible() and not hints.nth(1).is_visible()
    hints.nth(0).locator("summary").click()
    assert hints.nth(0).get_attribute("open") is not None
    assert hints.nth(0).locator("p .en").is_visible()
    assert hints.nth(1).is_visible() and hints.nth(1).get_attribute("open") is None
    if hints.count() > 2:
        assert not hints.nth(2).is_visible()

    code = w.page.locator("details.spoiler .hl")
    assert not code.is_visible()
    w.page.locator("details.spoiler > summary").click()
    assert code.is_visible() and "def " in code.inner_text()
    shot(w.page, "hints_and_solution_open")
    assert w.problems == []


@pytest.mark.parametrize("query, expected", [
    ("multi-head", "Multi-head attention"),
    ("多头", "多头"),
])
def test_search_finds_both_languages(site, context, query, expected):
    w = Watched(context)
    w.page.goto(url(site, "index.html"))
    w.page.fill("#nav-q", query)
    w.page.press("#nav-q", "Enter")
    w.page.wait_for_url("**/search.html?q=*")
    results = w.page.locator("#results li")
    assert results.count() > 0
    assert expected in w.page.locator("#results").inner_text() or expected in results.first.text_content()
    first = results.first.locator("a")
    target = first.get_attribute("href")
    assert (site / target.split("#")[0]).is_file()
    # Typing refines the results without reloading.
    w.page.fill("#q", "")
    assert results.count() == 0
    w.page.fill("#q", query)
    assert results.count() > 0
    shot(w.page, f"search_{'zh' if not query.isascii() else 'en'}", full=False)
    first.click()
    w.page.wait_for_load_state("load")
    assert w.page.url.startswith("file://")
    assert w.problems == []


def test_figures_are_drawn(site, context):
    w = Watched(context)
    for problem in registry.all_problems():
        w.page.goto(url(site, f"problem/{problem.id}.html"))
        figure = w.page.locator("#figure")
        assert figure.count(), f"{problem.id} has no figure"
        drawn = figure.locator("svg.heatmap, table.steps, figure.problem-figure svg, figure.problem-figure table")
        box = drawn.first.bounding_box()
        assert box and box["width"] > 50 and box["height"] > 30, problem.id
        figure.screenshot(path=str(ARTIFACTS / f"figure_{problem.id}.png"))
    assert w.problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_readable_on_a_phone(site, browser, scheme):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme,
                              device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        w = Watched(ctx)
        problem = registry.all_problems()[0]
        for relative in ("index.html", f"problem/{problem.id}.html", "questions.html"):
            w.page.goto(url(site, relative))
            width = w.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{relative} scrolls sideways in {scheme} mode ({width}px)"
            shot(w.page, f"phone_{scheme}_{relative.replace('/', '_').removesuffix('.html')}", full=False)
        background = w.page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(13, 17, 23)") == (scheme == "dark")
        assert w.problems == []
    finally:
        ctx.close()


def test_chinese_mode_gives_every_complexity_in_chinese(site, chinese):
    w = Watched(chinese)
    for problem in registry.all_problems():
        w.page.goto(url(site, f"problem/{problem.id}.html"))
        complexity = w.page.locator(".facts dt:has-text('复杂度') + dd")
        assert CJK.search(complexity.inner_text()), problem.id
    assert w.problems == []


def test_chinese_mode_names_tags_and_articles_in_chinese(site, chinese):
    """The tag pills and a source link's hover title follow the language like the rest of the page."""
    names = content.load_tag_names()
    sources = {s.id: s for s in content.load_sources()}
    w = Watched(chinese)
    problem = next(p for p in registry.all_problems() if p.sources)
    w.page.goto(url(site, f"problem/{problem.id}.html"))
    pills = w.page.locator("ul.tags li").all_inner_texts()
    assert pills == [names[t] for t in problem.tags]
    link = w.page.locator("a.source").first
    assert link.get_attribute("title") == sources[link.get_attribute("href").rpartition("source-")[2]].name.zh
    w.page.click("#lang-switch")
    assert w.page.locator("ul.tags li").all_inner_texts() == list(problem.tags)
    assert link.get_attribute("title") == sources[link.get_attribute("href").rpartition("source-")[2]].name.en
    assert w.problems == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_page_scrolls_sideways_at_375_pixels(site, browser, lang):
    """Long formulas scroll in their own box; everything else wraps."""
    ctx = reader(browser, lang, viewport={"width": 375, "height": 800})
    try:
        w = Watched(ctx)
        wide = {}
        for path in html_pages(site):
            w.page.goto(path.as_uri())
            # A reader may open every hint and spoiler.
            w.page.evaluate("document.querySelectorAll('details').forEach(d => { d.hidden = false; d.open = true; })")
            width = w.page.evaluate("document.documentElement.scrollWidth")
            if width > 375:
                wide[path.relative_to(site).as_posix()] = width
        assert wide == {}
        assert w.problems == []
    finally:
        ctx.close()


# Below this width a drawing scrolls sideways in its box on a phone instead of shrinking further.
READABLE_FIGURE_PX = 480
FIGURE_WIDTHS = """() => Array.from(document.querySelectorAll('#figure svg[role=img]'), svg => [
    svg.getBoundingClientRect().width, Number(svg.getAttribute('width')), svg.parentElement.clientWidth])"""


def test_figures_stay_legible_on_a_phone_and_fit_the_printed_page(site, browser):
    """At 360 px a figure is drawn at its own size, or at least 480 px wide in a box that scrolls
    (its labels would otherwise shrink below 6 px); on paper it fits the page."""
    ctx = reader(browser, "en", viewport={"width": 360, "height": 800})
    try:
        w = Watched(ctx)
        shrunk, overflowing = {}, {}
        for problem in registry.all_problems():
            w.page.goto(url(site, f"problem/{problem.id}.html"))
            for drawn, natural, _ in w.page.evaluate(FIGURE_WIDTHS):
                if drawn < min(natural, READABLE_FIGURE_PX) - 1:
                    shrunk.setdefault(problem.id, []).append((drawn, natural))
            assert w.page.evaluate("document.documentElement.scrollWidth") <= 360, problem.id
            w.page.emulate_media(media="print")
            for drawn, natural, room in w.page.evaluate(FIGURE_WIDTHS):
                if drawn > room + 1:
                    overflowing.setdefault(problem.id, []).append((drawn, room))
            w.page.emulate_media(media="screen")
        assert shrunk == {} and overflowing == {}
        assert w.problems == []
    finally:
        ctx.close()


def test_formula_boxes_keep_inline_math_on_the_line(site, context):
    """The scroll box around inline math must not move a formula on a wide screen."""
    w = Watched(context)
    w.page.goto(url(site, "problem/flash_attention.html"))
    where = "() => Array.from(document.querySelectorAll('span.math.inline math'), m => m.getBoundingClientRect().top)"
    boxed = w.page.evaluate(where)
    w.page.add_style_tag(content=".math.inline { display: inline !important; overflow: visible !important; }")
    assert len(boxed) > 20 and w.page.evaluate(where) == boxed
    assert w.problems == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_questions_show_no_raw_markdown(site, browser, lang):
    """Every prose field, the red "what … got wrong" boxes too, renders its `code` spans."""
    ctx = reader(browser, lang)
    try:
        w = Watched(ctx)
        w.page.goto(url(site, "questions.html"))
        prose = w.page.evaluate("""() => {
            const main = document.querySelector('main').cloneNode(true);
            main.querySelectorAll('code, pre').forEach(e => e.remove());
            document.body.append(main);  // innerText needs a rendered element
            const text = main.innerText;
            main.remove();
            return text; }""")
        assert "`" not in prose
        assert w.page.locator(".correction .why code:visible", has_text="output += inputs").count() == 1
        assert w.problems == []
    finally:
        ctx.close()


def test_printing_leaves_out_the_controls_and_opens_every_fold(site, context):
    problem = next(p for p in registry.all_problems() if len(p.hints) >= 2)
    w = Watched(context)
    w.page.goto(url(site, f"problem/{problem.id}.html"))
    w.page.locator("details.hint").first.locator("summary").click()  # the reader opened one hint
    with printing(w.page):
        for control in (".topbar", "#nav-q", "#lang-switch", ".pager"):
            assert not w.page.locator(control).is_visible(), control
        assert w.page.locator("details.hint p .en").nth(len(problem.hints) - 1).is_visible()
        shot(w.page, f"print_{problem.id}")
    assert w.problems == []


def test_the_quiz_prints_without_buttons_or_answers(site, context):
    w = Watched(context)
    w.page.goto(url(site, "quiz.html"))
    assert w.page.locator(".quiz-explanation").count() > 0
    with printing(w.page):
        assert w.page.locator(".quiz-question").first.is_visible()
        for control in (".quiz-status", "#quiz-reset", ".quiz-check"):
            assert w.page.locator(f"{control}:visible").count() == 0, control
        assert w.page.locator(".quiz-explanation:visible").count() == 0
    assert w.problems == []


def test_chinese_mode_gives_the_title_and_every_accessible_name_in_chinese(site, chinese):
    w = Watched(chinese)
    labels = "Array.from(document.querySelectorAll('[aria-label]'), e => e.getAttribute('aria-label'))"
    for path in html_pages(site):
        relative = path.relative_to(site).as_posix()
        w.page.goto(path.as_uri())
        assert CJK.search(w.page.title()), relative
        assert [name for name in w.page.evaluate(labels) if not CHINESE_TEXT.search(name)] == [], relative
    # Switching back gives the English ones again.
    w.page.click("#lang-switch")
    assert not CHINESE_TEXT.search(w.page.title())
    assert all(not CHINESE_TEXT.search(name) for name in w.page.evaluate(labels))
    assert w.problems == []


# The words the figures' hover labels are made of (their numbers, symbols and decoded tokens
# need no translation).
FIGURE_WORDS = re.compile(r"\b(query|key|position|dimension|blocked|allowed|cached|new|live|finished|dropped)\b")
HOVER_LABELS = """Array.from(document.querySelectorAll('svg title'),
    e => [e.textContent, e.hasAttribute('data-label-en') && e.hasAttribute('data-label-zh')])"""


def test_chinese_mode_gives_every_figure_hover_label_in_chinese(site, chinese):
    """A reader reading Chinese who points at a heatmap cell, a beam or a cache slot reads
    Chinese there too, and English again after switching back."""
    w = Watched(chinese)
    seen = 0
    for problem in registry.all_problems():
        w.page.goto(url(site, f"problem/{problem.id}.html"))
        labels = w.page.evaluate(HOVER_LABELS)
        seen += len(labels)
        assert [text for text, bilingual in labels if not bilingual] == [], problem.id
        assert [text for text, _ in labels if FIGURE_WORDS.search(text)] == [], problem.id
    assert seen > 100  # every problem page draws figures; most have many cells
    w.page.goto(url(site, "problem/kv_cache.html"))
    w.page.click("#lang-switch")
    english = [text for text, _ in w.page.evaluate(HOVER_LABELS)]
    assert english and all(not CHINESE_TEXT.search(text) for text in english)
    assert w.problems == []


# Contrast of every piece of visible text against the background it is drawn on (WCAG 2:
# 4.5:1, or 3:1 for large text), from the computed styles; translucent backgrounds are
# composited over what lies under them. Text inside SVG figures is left to the figure tests.
LOW_CONTRAST = r"""() => {
    const rgba = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
        const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
    const luminance = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const backdrop = el => {
        const layers = [];
        for (let e = el; e; e = e.parentElement) {
            const c = rgba(getComputedStyle(e).backgroundColor);
            if (c && c[3] > 0) { layers.push(c); if (c[3] === 1) break; }
        }
        let base = layers.length && layers[layers.length - 1][3] === 1 ? layers.pop() : [255, 255, 255, 1];
        for (const c of layers.reverse()) base = base.map((v, i) => i < 3 ? c[i] * c[3] + v * (1 - c[3]) : 1);
        return base;
    };
    const low = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const el = walker.currentNode.parentElement;
        if (!walker.currentNode.textContent.trim() || !el || el.closest('svg')) continue;
        const style = getComputedStyle(el), box = el.getBoundingClientRect();
        if (!box.width || !box.height || style.visibility === 'hidden') continue;
        const [a, b] = [luminance(rgba(style.color)), luminance(backdrop(el))];
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        const size = parseFloat(style.fontSize), large = size >= 24 || (parseInt(style.fontWeight) >= 700 && size >= 18.66);
        if (ratio < (large ? 3 : 4.5)) low.add(`${el.tagName.toLowerCase()}.${el.className} ${ratio.toFixed(2)}: ${el.textContent.trim().slice(0, 30)}`);
    }
    return [...low]; }"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_meets_wcag_aa(site, browser, scheme):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        w = Watched(ctx)
        low = {}
        for relative in ("index.html", "questions.html", "search.html?q=mask", "problem/self_attention.html",
                         "problem/flash_attention.html", "problem/text_generation.html", "quiz.html"):
            page, _, query = relative.partition("?")
            w.page.goto(url(site, page) + (f"?{query}" if query else ""))
            if page == "quiz.html":  # a wrong answer: red feedback with a link in it
                form = w.page.locator("form[data-quiz]").first
                form.locator("label.quiz-choice").nth(0).click()
                form.get_by_role("button").click()
                assert "is-wrong" in form.get_attribute("class")
            w.page.evaluate("document.querySelectorAll('details').forEach(d => { d.hidden = false; d.open = true; })")
            found = w.page.evaluate(LOW_CONTRAST)
            if found:
                low[relative] = found
        assert low == {}
        assert w.problems == []
    finally:
        ctx.close()


def test_mistake_and_fix_snippets_wrap_on_a_phone(site, browser):
    """Every character of a one-line snippet is on screen: none is hidden in a scroll box."""
    ctx = reader(browser, "en", viewport={"width": 375, "height": 800})
    try:
        w = Watched(ctx)
        hidden = {}
        for problem in registry.all_problems():
            w.page.goto(url(site, f"problem/{problem.id}.html"))
            cut = w.page.eval_on_selector_all(
                ".snippet pre", "pres => pres.filter(p => p.scrollWidth > p.clientWidth).map(p => p.textContent)")
            if cut:
                hidden[problem.id] = cut
        assert hidden == {}
        assert w.problems == []
    finally:
        ctx.close()


@pytest.mark.parametrize("query, mistake", [("sdpa.no_scale", "scaled_dot_product_attention"),
                                            ("causal_flipped", "self_attention")])
def test_search_finds_a_mistake_by_its_id(site, context, query, mistake):
    w = Watched(context)
    w.page.goto(url(site, "search.html") + f"?q={query}")
    first = w.page.locator("#results li a").first
    href = first.get_attribute("href")
    assert href.startswith(f"problem/{mistake}.html#") and href.endswith(query.split(".")[-1])
    first.click()
    w.page.wait_for_load_state("load")
    assert w.page.locator("article.mistake:target").is_visible()
    assert w.problems == []


@pytest.mark.parametrize("query, first", [("kv_cache", "problem/kv_cache.html"),
                                         ("kv-cache", "questions.html#kv-cache"),
                                         ("ｋｖ＿ｃａｃｈｅ", "problem/kv_cache.html"),
                                         ("ｓｄｐａ．ｎｏ＿ｓｃａｌｅ", "problem/scaled_dot_product_attention.html#sdpa.no_scale"),
                                         ("GQA", "problem/grouped_query_attention.html"),
                                         ("swa", "problem/sliding_window_attention.html")])
def test_search_puts_what_an_id_names_first_however_it_is_typed(site, context, query, first):
    """An id typed as it is, or in the full-width letters a Chinese input method types, leads
    to what it names before anything that merely mentions it; so does the short name a problem's
    mistake IDs start with ("gqa" ranked three of its mistakes above the problem)."""
    w = Watched(context)
    w.page.goto(url(site, "search.html"))
    w.page.fill("#q", query)
    assert w.page.locator("#results li a").first.get_attribute("href") == first
    assert w.problems == []


LATEX = re.compile(r"\\[a-zA-Z]{2,}|\$")


@pytest.mark.parametrize("query", ["softmax", "scale", "注意力", "√"])
def test_search_snippets_show_math_as_text_not_latex(site, context, query):
    """The statements' math is MathML on their pages; a result's quote of it is text, "√(D_k)",
    never the LaTeX source. Searching for the symbol a page shows finds it."""
    w = Watched(context)
    w.page.goto(url(site, "search.html") + "?q=" + query)
    results = w.page.locator("#results li")
    assert results.count() > 0, query
    quotes = [text for text in w.page.locator("#results .snippet-text").all_inner_texts() if text]
    assert quotes and [quote for quote in quotes if LATEX.search(quote)] == []
    assert w.problems == []


# How many results show one visible quote, taken from their index entry's text in one language.
QUOTED_FROM = """field => {
    const entries = new Map(window.ATTN_SEARCH_INDEX.map(e => [e.u, e]));
    return Array.from(document.querySelectorAll('#results li')).filter(li => {
        const quotes = Array.from(li.querySelectorAll('.snippet-text')).filter(p => p.offsetParent);
        const words = quotes.length === 1 && quotes[0].textContent.replace(/^…|…$/g, '');
        return words && entries.get(li.querySelector('a').getAttribute('href'))[field].includes(words);
    }).length; }"""


def test_search_speaks_the_readers_language(site, context):
    w = Watched(context)
    w.page.goto(url(site, "search.html"))
    assert w.page.locator("#nav-q").count() == 0  # the page's own box is the only one
    w.page.fill("#q", "mask")
    status = w.page.locator("#search-status")
    count = w.page.locator("#results li").count()
    assert status.inner_text() == f"{count} results"
    assert w.page.evaluate(QUOTED_FROM, "x") == count
    # A switch re-words what is already on the page: the count and every quote.
    w.page.click("#lang-switch")
    assert status.inner_text() == f"找到 {count} 个结果"
    assert w.page.evaluate(QUOTED_FROM, "xz") == count
    # The address follows the query, so a reload shows the same results.
    w.page.fill("#q", "多头")
    w.page.reload()
    assert w.page.input_value("#q") == "多头" and w.page.locator("#results li").count() > 0
    w.page.click("#lang-switch")  # leave English for the other tests
    assert w.problems == []


def test_the_first_tab_offers_to_skip_to_the_content(site, context):
    w = Watched(context)
    w.page.goto(url(site, "problem/self_attention.html"))
    w.page.keyboard.press("Tab")
    skip = w.page.locator(".skip-link")
    assert w.page.evaluate("document.activeElement.className") == "skip-link" and skip.is_visible()
    w.page.keyboard.press("Enter")
    w.page.keyboard.press("Tab")  # the next stop is inside the page's content, past the top bar
    assert w.page.evaluate("document.activeElement.closest('main') !== null")
    assert w.problems == []


def test_a_minus_sign_sits_against_infinity(site, context):
    w = Watched(context)
    w.page.goto(url(site, "problem/self_attention.html"))
    gaps = w.page.evaluate("""() => Array.from(document.querySelectorAll('#statement .en math'))
        .filter(m => m.textContent === '\u2212\u221e')
        .map(m => m.lastElementChild.lastElementChild.getBoundingClientRect().left
                  - m.lastElementChild.firstElementChild.getBoundingClientRect().right)""")
    assert gaps and all(gap < 1 for gap in gaps), gaps
    assert w.problems == []


def test_a_page_printed_from_a_dark_theme_is_dark_on_white(site, browser):
    """Paper drops the dark background: the text must not stay the dark theme's light grey."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    try:
        w = Watched(ctx)
        w.page.goto(url(site, "problem/flash_attention.html"))
        colours = "() => [getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]"
        assert w.page.evaluate(colours) == ["rgb(230, 237, 243)", "rgb(13, 17, 23)"]  # the dark theme on screen
        with printing(w.page):
            assert w.page.evaluate(colours) == ["rgb(29, 35, 41)", "rgb(255, 255, 255)"]
        assert w.problems == []
    finally:
        ctx.close()


@pytest.mark.parametrize("query, meant", [("atention", "attention"), ("softmx", "softmax"),
                                          ("beam serch", "beam search")])
def test_a_search_that_finds_nothing_offers_the_nearest_words(site, context, query, meant):
    """A typo found "0 results" and nothing else; the reader is offered the query with each term
    that matches nothing replaced by the nearest word of the site, and one click runs it."""
    w = Watched(context)
    w.page.goto(url(site, "search.html") + "?q=" + query.replace(" ", "%20"))
    assert w.page.locator("#results li").count() == 0
    offer = w.page.locator("a.did-you-mean")
    assert offer.locator(".en").inner_text() == f"Did you mean “{meant}”?"
    offer.click()
    assert w.page.input_value("#q") == meant and w.page.locator("#results li").count() > 0
    assert w.page.evaluate("location.search") == "?q=" + meant.replace(" ", "%20")
    w.page.fill("#q", "zzqxv")  # nothing near it: no offer
    assert w.page.locator("a.did-you-mean").count() == 0
    assert w.problems == []


# The contrast of each label of the problems' figures (not the heatmaps' cells, whose colours carry
# the values) against what is drawn right behind it: the last shape before it in the drawing that
# covers its middle (a block's band), else the page, opacities composited.
# Labels drawn white sit on a coloured bar and are left to the figure tests above. A colour is read
# back from a canvas painted with it, whatever its syntax (rgb(), color(srgb …) of a color-mix()).
FIGURE_LABELS_ON_THEIR_BACKGROUND = r"""() => {
    const paint = document.createElement('canvas').getContext('2d', {willReadFrequently: true});
    const rgb = c => { paint.clearRect(0, 0, 1, 1); paint.fillStyle = c; paint.fillRect(0, 0, 1, 1);
        return Array.from(paint.getImageData(0, 0, 1, 1).data.slice(0, 3)); };
    const luminance = c => { const [r, g, b] = c.map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const alphaOf = el => { let a = parseFloat(getComputedStyle(el).fillOpacity);
        for (let e = el; e && e.tagName.toLowerCase() !== 'svg'; e = e.parentElement) a *= parseFloat(getComputedStyle(e).opacity);
        return a; };
    const over = (colour, alpha, under) => colour.map((v, i) => v * alpha + under[i] * (1 - alpha));
    const page = rgb(getComputedStyle(document.body).backgroundColor);
    const low = [];
    for (const svg of document.querySelectorAll('#figure svg:not(.heatmap)')) {
        const shapes = Array.from(svg.querySelectorAll('rect, text'));
        shapes.forEach((el, i) => {
            if (el.tagName.toLowerCase() !== 'text' || !el.textContent.trim()) return;
            const fill = rgb(getComputedStyle(el).fill);
            if (fill.every(v => v === 255)) return;
            const box = el.getBoundingClientRect(), x = box.left + box.width / 2, y = box.top + box.height / 2;
            const behind = shapes.slice(0, i).reverse().find(r => {
                if (r.tagName.toLowerCase() !== 'rect' || getComputedStyle(r).fill === 'none') return false;
                const b = r.getBoundingClientRect();
                return b.left <= x && x <= b.right && b.top <= y && y <= b.bottom; });
            const ground = behind ? over(rgb(getComputedStyle(behind).fill), alphaOf(behind), page) : page;
            const seen = over(fill, alphaOf(el), ground);
            const [a, b] = [luminance(seen), luminance(ground)];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < 3) low.push(`${ratio.toFixed(2)}: ${el.textContent.trim().slice(0, 30)}`);
        });
    }
    return low; }"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_figure_labels_stand_out_from_the_band_behind_them(site, browser, scheme):
    """The flash-attention and sliding-window figures drew their labels in a fixed dark grey, 1.5:1
    on the dark theme's background; and the flash-attention figure's block bands stayed light in the
    dark theme, so the block labels drawn on them in its light text colour all but vanished (1.05:1)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        w = Watched(ctx)
        low = {}
        for problem in registry.all_problems():
            w.page.goto(url(site, f"problem/{problem.id}.html"))
            found = w.page.evaluate(FIGURE_LABELS_ON_THEIR_BACKGROUND)
            if found:
                low[problem.id] = found
        assert low == {}
        assert w.problems == []
    finally:
        ctx.close()


# Every box a formula sits in that clips (a scroll box): [its text, how many pixels it hides
# above or below, whether it scrolls sideways, its accessible name].
FORMULA_BOXES = """() => Array.from(document.querySelectorAll('math, .math')).filter(e => {
        const style = getComputedStyle(e);
        return e.getClientRects().length && (style.overflowX !== 'visible' || style.overflowY !== 'visible'); })
    .map(e => [e.textContent.slice(0, 40), e.scrollHeight - e.clientHeight, e.scrollWidth > e.clientWidth])"""

# Where the focus is: [inside a formula, that formula's box scrolls sideways, its accessible name].
FOCUSED_FORMULA = """() => {
    const box = document.activeElement && document.activeElement.closest('math, .math');
    if (!box) return null;
    return [box.textContent.slice(0, 40), box.scrollWidth > box.clientWidth, box.getAttribute('aria-label') || ''];
}"""

FORMULA_PAGES = ("problem/positional_encoding.html", "problem/scaled_dot_product_attention.html",
                 "problem/flash_attention.html", "questions.html")


@pytest.mark.parametrize("width", [1100, 320])
def test_formulas_are_never_cut_and_only_a_sideways_scroller_takes_the_focus(site, browser, width):
    """Display maths was 1-4 px taller than its scroll box (the top of a numerator cut off), and
    each such box was an unnamed Tab stop with nothing to scroll. A formula wider than the column
    scrolls sideways in its own box; that box may take the focus, with a name saying what it is."""
    ctx = reader(browser, "en", viewport={"width": width, "height": 800})
    try:
        w = Watched(ctx)
        for relative in FORMULA_PAGES:
            w.page.goto(url(site, relative))
            boxes = w.page.evaluate(FORMULA_BOXES)
            assert boxes, relative
            assert [(text, cut) for text, cut, _ in boxes if cut > 0] == [], relative
            stops = []
            w.page.locator("main").evaluate("m => { m.tabIndex = -1; m.focus(); }")
            for _ in range(400):
                w.page.keyboard.press("Tab")
                if w.page.evaluate("!document.activeElement.closest('main')"):
                    break
                focused = w.page.evaluate(FOCUSED_FORMULA)
                if focused:
                    stops.append(focused)
            assert [text for text, scrolls, _ in stops if not scrolls] == [], relative
            assert [text for text, _, name in stops if not name.strip()] == [], relative
        assert w.problems == []
    finally:
        ctx.close()


def test_without_storage_the_header_search_keeps_the_language(site, browser):
    """The header's search form sent no language, so a Chinese reader's search came back English."""
    ctx = blocked_storage(browser)
    try:
        w = Watched(ctx)
        w.page.goto(url(site, "problem/kv_cache.html") + "?lang=zh")
        assert w.page.get_attribute("html", "data-lang") == "zh"
        w.page.fill("#nav-q", "缓存")
        w.page.press("#nav-q", "Enter")
        w.page.wait_for_url("**/search.html?*")
        assert w.page.get_attribute("html", "data-lang") == "zh"
        assert w.page.locator("#results li").count() > 0
        assert w.page.locator("#search-status .zh, #search-status:has-text('找到')").first.is_visible()
        w.page.fill("#q", "注意力")  # the address follows the query, and keeps the language
        w.page.reload()
        assert w.page.get_attribute("html", "data-lang") == "zh" and w.page.input_value("#q") == "注意力"
        w.page.locator("#results li a").first.click()
        w.page.wait_for_load_state("load")
        assert w.page.get_attribute("html", "data-lang") == "zh"
        assert w.problems == []
    finally:
        ctx.close()


@pytest.mark.parametrize("query", ["softmax", "mask"])
def test_search_results_fit_a_320_pixel_screen(site, browser, query):
    """A code snippet in a result made the page 13 px wider than a 320 px screen."""
    ctx = reader(browser, "en", viewport={"width": 320, "height": 640})
    try:
        w = Watched(ctx)
        w.page.goto(url(site, "search.html") + "?q=" + query)
        assert w.page.locator("#results li").count() > 0
        assert w.page.evaluate("document.documentElement.scrollWidth") <= 320
        assert w.problems == []
    finally:
        ctx.close()


def test_question_headings_start_with_the_question(site, context):
    """Each question's heading was announced "Link to this question What is …"."""
    w = Watched(context)
    w.page.goto(url(site, "questions.html"))
    headings = w.page.locator(".question h3")
    assert headings.count() > 10
    for i in range(headings.count()):
        heading = headings.nth(i)
        question = heading.locator(".en").first.inner_text().strip()
        # '- heading "…" [level=3]', quoted once more when the name has a colon
        name = re.sub(r"^- '?heading \"", "", heading.aria_snapshot().splitlines()[0])
        assert name.startswith(question[:20]), name
    assert w.problems == []


def test_mistake_headings_name_the_mistake_without_its_id(site, context):
    """A mistake's id ("sdpa.no_scale") stays on the page, outside the heading a screen reader reads."""
    w = Watched(context)
    w.page.goto(url(site, "problem/scaled_dot_product_attention.html"))
    mistakes = w.page.locator("article.mistake")
    assert mistakes.count() > 0
    for i in range(mistakes.count()):
        mistake = mistakes.nth(i)
        mid = mistake.get_attribute("id")
        heading = mistake.get_by_role("heading", level=3)
        assert heading.count() == 1
        assert mid not in heading.aria_snapshot(), mid
        assert mistake.get_by_text(mid, exact=True).is_visible(), mid
    assert w.problems == []


def test_a_printed_problem_keeps_the_solution_folded(site, context):
    """Printing opened the reference-solution spoiler: a learner printing the statement got the
    answer on the last page. The hints print; the on-screen advice to open them one at a time does not."""
    problem = next(p for p in registry.all_problems() if len(p.hints) >= 2)
    w = Watched(context)
    w.page.goto(url(site, f"problem/{problem.id}.html"))
    advice = w.page.get_by_text("Open them one at a time")
    assert advice.is_visible()
    with printing(w.page):
        assert not w.page.locator("details.spoiler .hl").is_visible()
        assert w.page.locator("details.spoiler > summary").is_visible()
        assert w.page.locator("details.hint p .en").nth(len(problem.hints) - 1).is_visible()
        assert not advice.is_visible()
    assert advice.is_visible()
    assert w.problems == []
