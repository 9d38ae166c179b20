// The site's search, over the index that search-index.js assigns as a JSON
// string (so that it works from file:// as from a server). Results are built
// with createElement and textContent; a result links only to a relative
// address of the site (no scheme, no "..").
(function () {
  "use strict";
  var input = document.getElementById("q");
  var list = document.getElementById("results");
  var status = document.getElementById("status");
  var entries = JSON.parse(window.AIGOVKG_SEARCH || "[]");
  var kinds = {topic: 0, instrument: 1, claim: 2};
  var LIMIT = 100;
  function fold(s) { return String(s).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  var items = entries.map(function (e) { return {e: e, title: fold(e.title), all: fold(e.title + " " + e.text)}; });
  function relative(href) {
    return typeof href === "string" && /^[A-Za-z0-9._~%-]+(\/[A-Za-z0-9._~%-]+)*(#[A-Za-z0-9._~%-]*)?$/.test(href) &&
      href.split("#")[0].split("/").indexOf("..") < 0 ? href : null;
  }
  function show(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) { status.textContent = "Type a word or two: an instrument, a topic, a citation, a source."; return; }
    var found = items.filter(function (it) { return words.every(function (w) { return it.all.indexOf(w) >= 0; }); });
    found.sort(function (x, y) {
      var tx = words.filter(function (w) { return x.title.indexOf(w) >= 0; }).length;
      var ty = words.filter(function (w) { return y.title.indexOf(w) >= 0; }).length;
      return (ty - tx) || (kinds[x.e.kind] - kinds[y.e.kind]) || (x.title < y.title ? -1 : x.title > y.title ? 1 : 0);
    });
    status.textContent = found.length === 1 ? "1 result" : found.length + " results" +
      (found.length > LIMIT ? ", the first " + LIMIT + " shown" : "");
    found.slice(0, LIMIT).forEach(function (it) {
      var li = document.createElement("li");
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = it.e.kind;
      li.appendChild(kind);
      li.appendChild(document.createTextNode(" "));
      var href = relative(it.e.href);
      var title = document.createElement(href ? "a" : "span");
      if (href) { title.href = href; }
      title.textContent = it.e.title;
      li.appendChild(title);
      if (it.e.text) {
        var text = document.createElement("div");
        text.className = "muted";
        text.textContent = it.e.text;
        li.appendChild(text);
      }
      list.appendChild(li);
    });
  }
  function wanted() {
    var hash = new URLSearchParams(location.hash.slice(1)).get("q");
    return hash !== null ? hash : (new URLSearchParams(location.search).get("q") || "");
  }
  input.value = wanted();
  input.addEventListener("input", function () {
    show(input.value);
    try { history.replaceState(null, "", "#q=" + encodeURIComponent(input.value)); } catch (e) { /* file:// may refuse */ }
  });
  document.getElementById("search").addEventListener("submit", function (ev) { ev.preventDefault(); show(input.value); });
  show(input.value);
})();
