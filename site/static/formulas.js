/* Formulas wider than the column: each scrolls sideways in its own box (study.css). Such a box is
   a keyboard stop, so that it can be scrolled without a mouse, and is named as a formula that
   scrolls, in the page's language (study.js switches the name with the rest of the page). A box
   with nothing to scroll is no stop (the browser would make one of a box that overflows by a
   fraction of a pixel) and has no name of its own. Checked again when the window changes size.
   Plain DOM, no dependencies. */
(function () {
  "use strict";
  var BOXES = ".math.inline, .math.block, math[display=block]:not(.math > math)";
  var NAME = { en: "Formula, scrolls sideways", zh: "公式，可左右滚动" };

  function mark(box) {
    var scrolls = box.scrollWidth > box.clientWidth;
    if (scrolls && box.getAttribute("tabindex") !== "0") {
      var lang = document.documentElement.getAttribute("data-lang") === "zh" ? "zh" : "en";
      box.setAttribute("tabindex", "0");
      if (box.localName !== "math") { box.setAttribute("role", "group"); }
      box.setAttribute("data-label-en", NAME.en);
      box.setAttribute("data-label-zh", NAME.zh);
      box.setAttribute("aria-label", NAME[lang]);
    } else if (!scrolls && box.getAttribute("tabindex") !== "-1") {
      ["role", "data-label-en", "data-label-zh", "aria-label"].forEach(function (name) {
        box.removeAttribute(name);
      });
      box.setAttribute("tabindex", "-1");
    }
  }

  function markAll() { Array.prototype.forEach.call(document.querySelectorAll(BOXES), mark); }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(markAll, 150);
  });
  markAll();
}());
