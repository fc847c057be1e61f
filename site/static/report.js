/* The class overview's student table: sort by any column, filter by name, notes,
   mistake or error. Plain DOM, no dependencies; the table works without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var table = document.getElementById("student-table");
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var search = document.getElementById("student-search");
  var filter = document.getElementById("student-filter");
  var count = document.getElementById("student-count");
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function value(row, column, numeric) {
    var text = row.cells[column].textContent.trim();
    if (!numeric) return text;
    var number = parseFloat(text);
    return isNaN(number) ? null : number;
  }

  function sortBy(column, descending) {
    var numeric = headers[column].getAttribute("data-type") === "num";
    var keyed = rows.map(function (row, i) { return { row: row, v: value(row, column, numeric), i: i }; });
    keyed.sort(function (a, b) {
      if (a.v === null || b.v === null) {  // not submitted: always last
        return a.v === b.v ? a.i - b.i : (a.v === null ? 1 : -1);
      }
      var c = numeric ? a.v - b.v : collator.compare(a.v, b.v);
      if (descending) c = -c;
      return c || a.i - b.i;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (k) { fragment.appendChild(k.row); });
    body.appendChild(fragment);
    headers.forEach(function (th, i) {
      if (i === column) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
  }

  headers.forEach(function (th, column) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var current = th.getAttribute("aria-sort");
      // numbers start with the highest, names with A
      var descending = current ? current === "ascending" : th.getAttribute("data-type") === "num";
      sortBy(column, descending);
    });
  });

  // é typed as one character or as e and an accent (macOS names files so) reads the same
  function folded(text) {
    return (text.normalize ? text.normalize("NFC") : text).toLowerCase();
  }

  function applyFilter() {
    var needle = search ? folded(search.value.trim()) : "";
    var key = filter ? filter.value : "";
    var shown = 0;
    rows.forEach(function (row) {
      var keys = " " + (row.getAttribute("data-k") || "") + " ";
      var text = folded(row.cells[0].textContent + " " + row.cells[row.cells.length - 1].textContent);
      var visible = (!key || keys.indexOf(" " + key + " ") >= 0) && (!needle || text.indexOf(needle) >= 0);
      row.hidden = !visible;
      if (visible) shown += 1;
    });
    if (count) {  // the page's own wording (data-all, data-some), in its language
      var wording = shown === rows.length ? count.getAttribute("data-all") : count.getAttribute("data-some");
      count.textContent = wording.replace("{shown}", shown).replace("{count}", rows.length);
    }
  }

  if (search) search.addEventListener("input", applyFilter);
  if (filter) filter.addEventListener("change", applyFilter);

  Array.prototype.forEach.call(document.querySelectorAll("[data-filter]"), function (button) {
    button.addEventListener("click", function () {
      if (!filter) return;
      filter.value = button.getAttribute("data-filter");
      if (search) search.value = "";
      applyFilter();
      document.getElementById("students").scrollIntoView();
    });
  });
})();
