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

  // A term that finds nothing may be a typo: the nearest word of the site's titles, names and
  // English text (edit distance 1, or 2 for a word of 6 letters or more) is offered instead.
  var vocabulary = null;

  function siteWords() {
    if (vocabulary) { return vocabulary; }
    var seen = {};
    prepared.forEach(function (item) {
      (item.title + " " + item.en).split(/[^a-z0-9_.]+/).forEach(function (w) {
        w = w.replace(/^[._]+|[._]+$/g, "");
        if (w.length >= 3) { seen[w] = true; }
      });
    });
    vocabulary = Object.keys(seen);
    return vocabulary;
  }

  function distance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) { return limit + 1; }
    var previous = [], current, i, j;
    for (j = 0; j <= b.length; j++) { previous.push(j); }
    for (i = 1; i <= a.length; i++) {
      current = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        current.push(Math.min(previous[j] + 1, current[j - 1] + 1,
                              previous[j - 1] + (a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1)));
        best = Math.min(best, current[j]);
      }
      if (best > limit) { return limit + 1; }
      previous = current;
    }
    return previous[b.length];
  }

  function nearest(word) {
    if (!/^[a-z0-9_.]{3,}$/.test(word)) { return null; }
    var limit = word.length >= 6 ? 2 : 1, found = null, best = limit + 1;
    siteWords().forEach(function (candidate) {
      var d = distance(word, candidate, limit);
      if (d < best || (d === best && found !== null && candidate < found)) { best = d; found = candidate; }
    });
    return best <= limit ? found : null;
  }

  function hitsOf(query) {
    var words = terms(query);
    var typed = (query || "").split(/\s+/).map(fold);
    return prepared
      .map(function (item) { return { item: item, score: score(item, words, typed) }; })
      .filter(function (hit) { return hit.score > 0; })
      .sort(function (a, b) { return b.score - a.score; });
  }

  // "Did you mean …": the query with each term that matches nothing replaced by its nearest word,
  // offered only when that query finds something.
  function suggestion(query) {
    var changed = false;
    var fixed = terms(query).map(function (term) {
      if (hitsOf(term).length) { return term; }
      var near = nearest(term);
      if (near === null) { return term; }
      changed = true;
      return near;
    }).join(" ");
    return changed && hitsOf(fixed).length ? fixed : null;
  }

  function run(query) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var words = terms(query);
    if (!words.length) { status.textContent = ""; return; }
    var hits = hitsOf(query);
    // Both languages are written; study.css shows the reader's, also after a switch.
    status.textContent = "";
    status.appendChild(bilingual("span", hits.length + (hits.length === 1 ? " result" : " results"),
                                 "找到 " + hits.length + " 个结果"));
    var better = hits.length ? null : suggestion(query);
    if (better !== null) {
      var offer = document.createElement("a");
      offer.className = "did-you-mean";
      offer.href = "?q=" + encodeURIComponent(better);
      offer.appendChild(bilingual("span", "Did you mean “" + better + "”?", "你要找的是不是“" + better + "”？"));
      offer.addEventListener("click", function (event) {
        event.preventDefault();
        input.value = better;
        run(better);
        remember(better);
      });
      status.appendChild(document.createTextNode(" "));
      status.appendChild(offer);
    }
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

  // The address keeps the query being typed, so that a reload or Back shows the same results, and
  // the language it carries where the browser keeps nothing (study.js).
  function remember(query) {
    var lang = new URLSearchParams(window.location.search).get("lang");
    var address = "?q=" + encodeURIComponent(query) + (lang ? "&lang=" + encodeURIComponent(lang) : "");
    try { window.history.replaceState(null, "", address); } catch (e) { /* not allowed here */ }
  }

  var initial = new URLSearchParams(window.location.search).get("q") || "";
  input.value = initial;
  run(initial);
  input.addEventListener("input", function () { run(input.value); remember(input.value); });
  input.form.addEventListener("submit", function (event) { event.preventDefault(); run(input.value); });
}());
