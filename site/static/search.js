/* Offline search over the prebuilt index in search-index.js (a script, because
   pages opened from file:// cannot fetch a JSON file). Results are built with
   DOM methods only: nothing from the index is ever parsed as HTML. */
(function () {
  "use strict";
  var index = window.ATTN_SEARCH_INDEX || [];
  var input = document.getElementById("q");
  var list = document.getElementById("results");
  var status = document.getElementById("search-status");

  // Full-width Latin letters and digits (what a Chinese input method may type) read as
  // ASCII, lower case, and dashes or underscores read as spaces ("multi-head" finds
  // "multi head" too). Every character maps to exactly one character, so a
  // position in the normalised text is the same position in the original.
  function fold(text) {
    return (text || "").replace(/[\uff01-\uff5e]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).toLowerCase();
  }

  function normalise(text) {
    return fold(text).replace(/[\u2010-\u2015_-]/g, " ");
  }

  // Titles and names (problem and mistake ids, tags) weigh more than the text; the text is kept
  // per language so that a result quotes the reader's language.
  var prepared = index.map(function (entry) {
    return { entry: entry, title: normalise(entry.t + " " + entry.tz + " " + (entry.n || "")),
             names: (entry.n || "").split(" ").map(fold),
             en: normalise(entry.x), zh: normalise(entry.xz) };
  });

  // Whitespace separates terms; inside a term, dashes become single spaces.
  function terms(query) {
    return (query || "").split(/\s+/).map(function (t) {
      return normalise(t).replace(/ +/g, " ").trim();
    }).filter(function (t) { return t.length > 0; });
  }

  function count(haystack, needle) {
    var n = 0, at = haystack.indexOf(needle);
    while (at !== -1) { n += 1; at = haystack.indexOf(needle, at + needle.length); }
    return n;
  }

  // A term typed exactly as an id ("kv_cache", "sdpa.no_scale"; "kv-cache" is a question's)
  // puts what it names first.
  var NAMED = 100;

  function score(item, words, typed) {
    var total = 0;
    for (var i = 0; i < words.length; i++) {
      var inTitle = count(item.title, words[i]);
      var inText = count(item.en, words[i]) + count(item.zh, words[i]);
      if (inTitle + inText === 0) { return 0; }
      total += 10 * inTitle + Math.min(inText, 20);
    }
    for (var j = 0; j < typed.length; j++) {
      if (item.names.indexOf(typed[j]) !== -1) { total += NAMED; }
    }
    return total;
  }

  function bilingual(tag, en, zh) {
    var fragment = document.createDocumentFragment();
    [["en", en, "en"], ["zh", zh, "zh-Hans"]].forEach(function (part) {
      var el = document.createElement(tag);
      el.className = part[0];
      el.lang = part[2];
      el.textContent = part[1];
      fragment.appendChild(el);
    });
    return fragment;
  }

  var KINDS = { problem: ["problem", "题目"], mistake: ["common mistake", "常见错误"], question: ["question", "面试题"] };

  // The text around the first match, in one language (the other's when this one has no text).
  function snippet(item, word, lang) {
    var own = lang === "zh" && item.entry.xz ? "zh" : "en";
    var raw = (own === "zh" ? item.entry.xz : item.entry.x) || "";
    var text = item[own];
    var p = document.createElement("p");
    p.className = "snippet-text " + lang;
    p.lang = own === "zh" ? "zh-Hans" : "en";
    var at = text.indexOf(word);
    if (at === -1) { p.textContent = raw.slice(0, 160) + (raw.length > 160 ? "…" : ""); return p; }
    var start = Math.max(0, at - 70), end = Math.min(raw.length, at + word.length + 90);
    p.appendChild(document.createTextNode((start > 0 ? "…" : "") + raw.slice(start, at)));
    var mark = document.createElement("mark");
    mark.textContent = raw.slice(at, at + word.length);
    p.appendChild(mark);
    p.appendChild(document.createTextNode(raw.slice(at + word.length, end) + (end < raw.length ? "…" : "")));
    return p;
  }

  function run(query) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var words = terms(query);
    if (!words.length) { status.textContent = ""; return; }
    var typed = (query || "").split(/\s+/).map(fold);
    var hits = prepared
      .map(function (item) { return { item: item, score: score(item, words, typed) }; })
      .filter(function (hit) { return hit.score > 0; })
      .sort(function (a, b) { return b.score - a.score; });
    // Both languages are written; study.css shows the reader's, also after a switch.
    status.textContent = "";
    status.appendChild(bilingual("span", hits.length + (hits.length === 1 ? " result" : " results"),
                                 "找到 " + hits.length + " 个结果"));
    hits.forEach(function (hit) {
      var e = hit.item.entry;
      var li = document.createElement("li");
      li.className = "result " + e.k;
      var kind = document.createElement("span");
      kind.className = "badge kind";
      kind.appendChild(bilingual("span", KINDS[e.k][0], KINDS[e.k][1]));
      var a = document.createElement("a");
      a.href = e.u;
      a.appendChild(bilingual("span", e.t, e.tz));
      var head = document.createElement("p");
      head.className = "result-head";
      head.appendChild(kind);
      head.appendChild(document.createTextNode(" "));
      head.appendChild(a);
      li.appendChild(head);
      li.appendChild(snippet(hit.item, words[0], "en"));
      li.appendChild(snippet(hit.item, words[0], "zh"));
      list.appendChild(li);
    });
  }

  // The address keeps the query being typed, so that a reload or Back shows the same results.
  function remember(query) {
    try { window.history.replaceState(null, "", "?q=" + encodeURIComponent(query)); } catch (e) { /* not allowed here */ }
  }

  var initial = new URLSearchParams(window.location.search).get("q") || "";
  input.value = initial;
  run(initial);
  input.addEventListener("input", function () { run(input.value); remember(input.value); });
  input.form.addEventListener("submit", function (event) { event.preventDefault(); run(input.value); });
}());
