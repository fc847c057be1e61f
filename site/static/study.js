/* Study site behaviour: the language switch and the hints, one at a time.
   Loaded in <head> without defer so that the remembered language applies
   before the first paint (no flash of the other language). */
(function () {
  "use strict";
  var KEY = "attn-judge.lang";
  var root = document.documentElement;
  root.classList.add("js");  // study.css hides the controls that need a script without it

  function remembered() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function remember(lang) {
    try { window.localStorage.setItem(KEY, lang); } catch (e) { /* private mode: this page only */ }
  }

  // The page title, the figures' hover labels (SVG <title>) and the accessible names follow
  // the language too: the templates give both (data-label-en, data-label-zh).
  function relabel(lang) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-label-" + lang + "]"), function (el) {
      var text = el.getAttribute("data-label-" + lang);
      if (el.localName === "title") { el.textContent = text; } else { el.setAttribute("aria-label", text); }
    });
  }

  function apply(lang) {
    root.setAttribute("data-lang", lang);
    root.setAttribute("lang", lang === "zh" ? "zh-Hans" : "en");
    relabel(lang);
  }

  var initial = remembered();
  if (initial !== "en" && initial !== "zh") {
    initial = /^zh\b/i.test(navigator.language || "") ? "zh" : "en";
  }
  apply(initial);

  function setUpHints(box) {
    var hints = Array.prototype.slice.call(box.querySelectorAll("details.hint"));
    hints.forEach(function (hint, i) {
      if (i > 0) { hint.hidden = true; }
      hint.addEventListener("toggle", function () {
        if (hint.open && hints[i + 1] && hints[i + 1].hidden) {
          hints[i + 1].hidden = false;
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    apply(root.getAttribute("data-lang") || "en");
    var button = document.getElementById("lang-switch");
    if (button) {
      button.addEventListener("click", function () {
        var next = root.getAttribute("data-lang") === "zh" ? "en" : "zh";
        apply(next);
        remember(next);
      });
    }
    // Another tab switched the language: follow it.
    window.addEventListener("storage", function (event) {
      if (event.key === KEY && (event.newValue === "en" || event.newValue === "zh")) { apply(event.newValue); }
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-hints]"), setUpHints);
  });
}());
