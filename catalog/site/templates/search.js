// The directory's search (catalog/site): a resource matches when every word of the query is a
// substring of its names, summary and 信息项 (so 信用代码 finds 统一社会信用代码) and it has
// every chosen filter's value. window.INDEX comes from assets/index.js.
(function () {
  "use strict";

  function search(query, filters) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return window.INDEX.filter(function (r) {
      for (var name in filters) {
        var want = filters[name];
        if (!want) continue;
        var have = r[name];
        if (Array.isArray(have) ? have.indexOf(want) < 0 : have !== want) return false;
      }
      return words.every(function (w) { return r.text.indexOf(w) >= 0; });
    }).map(function (r) { return r.code; });
  }
  window.govlakeSearch = search;

  function apply() {
    var filters = {};
    document.querySelectorAll("select[data-filter]").forEach(function (s) { filters[s.dataset.filter] = s.value; });
    var found = {};
    search(document.getElementById("search").value, filters).forEach(function (c) { found[c] = true; });
    var shown = 0;
    document.querySelectorAll("#resources tbody tr").forEach(function (tr) {
      tr.hidden = !found[tr.dataset.code];
      if (!tr.hidden) shown += 1;
    });
    document.getElementById("count").textContent = shown;
    document.getElementById("nothing").hidden = shown > 0;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("search").addEventListener("input", apply);
    document.querySelectorAll("select[data-filter]").forEach(function (s) { s.addEventListener("change", apply); });
    apply();
  });
})();
