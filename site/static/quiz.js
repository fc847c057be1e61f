/* The self-check quiz: grades each answer in the page and keeps the learner's
   answers in localStorage, so that they survive a reload until "Start again".
   The questions, choices and explanations are in the HTML (both languages,
   study.css shows one); quiz-data.js holds only what grading needs. Feedback is
   built with DOM methods and copies of the page's own nodes: nothing is ever
   parsed as HTML. */
(function () {
  "use strict";
  var KEY = "attn-judge.quiz";
  var quiz = (window.ATTN_QUIZ && window.ATTN_QUIZ.questions) || {};
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-quiz]"));
  var resetButton = document.getElementById("quiz-reset");
  var resetStatus = document.getElementById("quiz-reset-status");
  var meter = document.querySelector(".quiz-meter");

  // --- saved progress: {answers: {id: {given: "…", fp: "…"}}} ----------------

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(KEY) || "null");
      if (saved && typeof saved.answers === "object" && saved.answers !== null) { return saved; }
    } catch (e) { /* unreadable or unavailable: start afresh */ }
    return { answers: {} };
  }

  var state = load();

  function save() {
    try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode: this visit only */ }
  }

  function forget() {
    state = { answers: {} };
    try { window.localStorage.removeItem(KEY); } catch (e) { /* nothing was saved */ }
  }

  // --- grading -----------------------------------------------------------------

  // A number as a reader types it: "0.125", "1/8", "1e-4", "6,28" (a decimal comma), "1,024" or
  // "1 024" (grouped thousands), full-width digits, "−". NaN when it is none of these.
  function parseNumber(text) {
    var s = String(text).normalize("NFKC").replace(/[\u2212\u2013]/g, "-").replace(/\u3002/g, ".")
      .replace(/[\s_]/g, "");
    if (/^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?$/.test(s)) {
      s = s.replace(/,/g, "");
    } else if (/^[+-]?\d*,\d+$/.test(s)) {
      s = s.replace(",", ".");
    }
    var fraction = /^([^/]+)\/([^/]+)$/.exec(s);
    if (fraction) {
      var denominator = plainNumber(fraction[2]);
      return denominator === 0 ? NaN : plainNumber(fraction[1]) / denominator;
    }
    return plainNumber(s);
  }

  function plainNumber(s) {
    return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : NaN;
  }

  function isRight(key, given) {
    if (key.kind === "choice") { return Number(given) === key.correct; }
    var value = Number(given);
    // A hair of slack so that 1.499 counts for 1.5 ± 0.001 despite binary rounding.
    var slack = 1e-9 * Math.max(1, Math.abs(key.answer));
    return isFinite(value) && Math.abs(value - key.answer) <= key.tolerance + slack;
  }

  function givenAnswer(form, key) {
    if (key.kind === "choice") {
      var checked = form.querySelector("input[type=radio]:checked");
      return checked ? checked.value : null;
    }
    var value = parseNumber(numberInput(form).value);
    return isFinite(value) ? String(value) : null;
  }

  function numberInput(form) { return form.querySelector("input.quiz-number-input"); }

  // A saved answer is shown only if it still fits the question in the page.
  function usable(form, key, given) {
    if (typeof given !== "string" || given === "" || !isFinite(Number(given))) { return false; }
    if (key.kind !== "choice") { return true; }
    var index = Number(given);
    return index === Math.floor(index) && index >= 0 && index < form.querySelectorAll(".quiz-choice").length;
  }

  // --- building feedback -------------------------------------------------------

  function span(lang, parts) {
    var el = document.createElement("span");
    el.className = lang;
    el.lang = lang === "zh" ? "zh-Hans" : "en";
    parts.forEach(function (part) {
      el.appendChild(typeof part === "string" ? document.createTextNode(part) : part);
    });
    return el;
  }

  function bilingual(target, en, zh) {
    target.appendChild(span("en", en));
    target.appendChild(span("zh", zh));
  }

  function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } }

  // The right choice's own text, in one language, as a copy of the page's nodes.
  function choiceText(label, lang) {
    var original = label.querySelector(".quiz-choice-text ." + lang);
    var copy = document.createElement("span");
    copy.className = "quiz-answer-text";
    Array.prototype.forEach.call(original.childNodes, function (node) { copy.appendChild(node.cloneNode(true)); });
    return copy;
  }

  function badge(label, en, zh, className) {
    var mark = document.createElement("span");
    mark.className = "quiz-badge " + className;
    bilingual(mark, [en], [zh]);
    label.appendChild(mark);
  }

  function showChoice(form, key, given, right, verdict) {
    var labels = form.querySelectorAll(".quiz-choice");
    var correct = labels[key.correct];
    correct.classList.add("is-correct");
    badge(correct, "✓ right answer", "✓ 正确答案", "right");
    if (!right) {
      labels[Number(given)].classList.add("is-chosen-wrong");
      badge(labels[Number(given)], "✗ your answer", "✗ 你的答案", "wrong");
      bilingual(verdict, ["✗ Not quite. The answer is: ", choiceText(correct, "en")],
                ["✗ 不对。正确答案是：", choiceText(correct, "zh")]);
    } else {
      bilingual(verdict, ["✓ Right."], ["✓ 回答正确。"]);
    }
  }

  function showNumber(key, given, right, verdict) {
    var within = key.tolerance > 0;
    var enRange = within ? " (answers within ±" + key.toleranceText + " count)" : "";
    var zhRange = within ? "（误差在 ±" + key.toleranceText + " 以内都算对）" : "";
    if (right) {
      bilingual(verdict, ["✓ Right: the answer is " + key.answerText + enRange + "."],
                ["✓ 回答正确：答案是 " + key.answerText + zhRange + "。"]);
    } else {
      bilingual(verdict, ["✗ Not quite: you answered " + given + "; the answer is " + key.answerText + enRange + "."],
                ["✗ 不对：你的答案是 " + given + "，正确答案是 " + key.answerText + zhRange + "。"]);
    }
  }

  function parts(form) {
    return {
      inputs: form.querySelectorAll("input"),
      button: form.querySelector(".quiz-check"),
      verdict: form.querySelector(".quiz-verdict"),
      explanation: form.querySelector(".quiz-explanation")
    };
  }

  function show(form, key, given) {
    var right = isRight(key, given);
    var p = parts(form);
    Array.prototype.forEach.call(p.inputs, function (input) {
      if (key.kind === "choice") { input.checked = input.value === String(given); } else { input.value = given; }
      input.disabled = true;
    });
    // aria-disabled, not disabled: the button keeps the focus it has just been given.
    p.button.setAttribute("aria-disabled", "true");
    form.classList.remove("is-pending");
    form.classList.add("is-answered", right ? "is-right" : "is-wrong");
    clear(p.verdict);
    p.verdict.className = "quiz-verdict " + (right ? "right" : "wrong");
    if (key.kind === "choice") { showChoice(form, key, given, right, p.verdict); } else { showNumber(key, given, right, p.verdict); }
    if (!right) { p.verdict.parentNode.insertBefore(tryAgainButton(form), p.verdict.nextSibling); }
    p.explanation.open = true;
  }

  // A wrong answer can be taken back: this question only is cleared, and the focus goes to its first control.
  function tryAgainButton(form) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "quiz-try-again";
    bilingual(button, ["Try again"], ["再试一次"]);
    button.addEventListener("click", function () {
      delete state.answers[form.getAttribute("data-quiz")];
      save();
      reset(form);
      score();
      form.querySelector("input").focus();
    });
    return button;
  }

  function reset(form) {
    var p = parts(form);
    Array.prototype.forEach.call(p.inputs, function (input) {
      input.disabled = false;
      input.checked = false;
      if (input.type === "text") { input.value = ""; }
    });
    p.button.removeAttribute("aria-disabled");
    form.classList.remove("is-answered", "is-right", "is-wrong", "is-pending");
    Array.prototype.forEach.call(form.querySelectorAll(".quiz-badge"), function (b) { b.parentNode.removeChild(b); });
    Array.prototype.forEach.call(form.querySelectorAll(".quiz-choice"), function (label) {
      label.classList.remove("is-correct", "is-chosen-wrong");
    });
    clear(p.verdict);
    p.verdict.className = "quiz-verdict";
    Array.prototype.forEach.call(form.querySelectorAll(".quiz-try-again"), function (b) { b.parentNode.removeChild(b); });
    p.explanation.open = false;
  }

  // --- the score -----------------------------------------------------------------

  function score() {
    var answered = 0, right = 0;
    forms.forEach(function (form) {
      if (form.classList.contains("is-answered")) {
        answered += 1;
        if (form.classList.contains("is-right")) { right += 1; }
      }
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-quiz-answered]"), function (el) { el.textContent = String(answered); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-quiz-right]"), function (el) { el.textContent = String(right); });
    if (meter) {
      var total = forms.length || 1;
      meter.setAttribute("aria-valuenow", String(answered));
      meter.querySelector(".right").style.width = (100 * right / total) + "%";
      meter.querySelector(".wrong").style.width = (100 * (answered - right) / total) + "%";
    }
  }

  function say(el, en, zh) {
    if (!el) { return; }
    clear(el);
    if (en) { bilingual(el, [en], [zh]); }
  }

  // --- wiring --------------------------------------------------------------------

  var stale = false;
  forms.forEach(function (form) {
    var id = form.getAttribute("data-quiz");
    var key = quiz[id];
    if (!key) { return; }
    form.querySelector(".quiz-check").disabled = false;
    var saved = state.answers[id];
    if (saved && saved.fp === key.fp && usable(form, key, saved.given)) {
      show(form, key, saved.given);
    } else if (saved) {
      delete state.answers[id];  // the question changed since it was answered
      stale = true;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.classList.contains("is-answered")) { return; }
      var given = givenAnswer(form, key);
      var verdict = form.querySelector(".quiz-verdict");
      if (given === null) {
        form.classList.add("is-pending");
        verdict.className = "quiz-verdict pending";
        if (key.kind === "choice") {
          say(verdict, "Choose an answer first.", "请先选择一个答案。");
        } else if (numberInput(form).value.trim() === "") {
          say(verdict, "Type a number first.", "请先输入一个数。");
        } else {
          say(verdict, "That is not a number this page can read: type the number alone, without units, % or words " +
              "(15, not 15%; 6.28, not 2π), in digits such as 0.125, 1/8 or 1e-4.",
              "无法识别这个数：请只输入数字，不要带单位、% 或文字（写 15 而不是 15%，写 6.28 而不是 2π），" +
              "例如 0.125、1/8 或 1e-4。");
        }
        return;
      }
      state.answers[id] = { given: given, fp: key.fp };
      save();
      show(form, key, given);
      say(resetStatus, "", "");
      score();
    });
  });
  if (stale) { save(); }
  score();

  // Anchors and focused controls stop below the sticky score bar: the room kept clear above them
  // (study.css guesses it) follows the bar's real height, which grows when it wraps on a narrow screen.
  var bar = document.querySelector(".quiz-status");
  if (bar && window.ResizeObserver) {
    new window.ResizeObserver(function () {
      var margin = parseFloat(window.getComputedStyle(bar).marginTop) || 0;
      document.documentElement.style.scrollPaddingTop = Math.ceil(bar.offsetHeight + 2 * margin) + "px";
    }).observe(bar);
  }

  // One click must not wipe every answer: ask first, in the page's language.
  function confirmReset() {
    var answered = document.querySelectorAll("form[data-quiz].is-answered").length;
    if (answered === 0) { return true; }
    var zh = document.documentElement.getAttribute("data-lang") === "zh";
    var en = answered === 1 ? "Clear your answer? It cannot be brought back."
      : "Clear all " + answered + " of your answers? They cannot be brought back.";
    return window.confirm(zh ? "清除你已作答的 " + answered + " 道题吗？清除后无法恢复。" : en);
  }

  if (resetButton) {
    resetButton.addEventListener("click", function () {
      if (!confirmReset()) { return; }
      forget();
      forms.forEach(reset);
      score();
      say(resetStatus, "Your answers were cleared.", "已清除你的全部答案。");
    });
  }
}());
