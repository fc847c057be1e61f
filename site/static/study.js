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
    try { window.localStorage.setItem(KEY, lang); } catch (e) { /* private mode: see carry() */ }
  }

  function storageKeeps() {
    try {
      window.localStorage.setItem(KEY + ".probe", "1");
      window.localStorage.removeItem(KEY + ".probe");
      return true;
    } catch (e) { return false; }
  }

  // The language the address asks for (?lang=zh): a shared link, or a browser that keeps nothing.
  function asked() {
    var match = /[?&]lang=(en|zh)(&|$)/.exec(window.location.search);
    return match ? match[1] : null;
  }

  // Where the browser keeps nothing (storage blocked, some browsers' file:// pages), the language
  // travels in the address instead: this page's (reload, back), the site's own links and what its
  // search forms send.
  function carry(lang) {
    if (storageKeeps()) { return; }
    try {
      var here = new URL(window.location.href);
      here.searchParams.set("lang", lang);
      window.history.replaceState(window.history.state, "", here.href);
    } catch (e) { /* an address that cannot change: the links still carry it */ }
    Array.prototype.forEach.call(document.querySelectorAll("a[href]"), function (a) {
      if (!a.hasAttribute("data-site-link")) {
        // Other sites and this page's anchors keep their address.
        if (/^([a-z][a-z0-9+.-]*:|\/\/|#)/i.test(a.getAttribute("href"))) { return; }
        a.setAttribute("data-site-link", "");
      }
      var url = new URL(a.href);
      url.searchParams.set("lang", lang);
      a.href = url.href;
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[method=get]"), function (form) {
      var field = form.querySelector("input[name=lang]");
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = "lang";
        form.appendChild(field);
      }
      field.value = lang;
    });
  }

  // The page title, the figures' hover labels (SVG <title>), the accessible names and the links'
  // hover titles follow the language too: the templates give both (data-label-en, data-label-zh;
  // data-title-en, data-title-zh).
  function relabel(lang) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-label-" + lang + "]"), function (el) {
      var text = el.getAttribute("data-label-" + lang);
      if (el.localName === "title") { el.textContent = text; } else { el.setAttribute("aria-label", text); }
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-title-" + lang + "]"), function (el) {
      el.setAttribute("title", el.getAttribute("data-title-" + lang));
    });
  }

  function apply(lang) {
    root.setAttribute("data-lang", lang);
    root.setAttribute("lang", lang === "zh" ? "zh-Hans" : "en");
    relabel(lang);
  }

  var initial = asked() || remembered();
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
    if (asked()) { remember(initial); }
    carry(initial);
    var button = document.getElementById("lang-switch");
    if (button) {
      button.addEventListener("click", function () {
        var next = root.getAttribute("data-lang") === "zh" ? "en" : "zh";
        apply(next);
        remember(next);
        carry(next);
      });
    }
    // Another tab switched the language: follow it.
    window.addEventListener("storage", function (event) {
      if (event.key === KEY && (event.newValue === "en" || event.newValue === "zh")) { apply(event.newValue); }
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-hints]"), setUpHints);
  });
}());
