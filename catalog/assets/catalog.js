// The event catalog's only script: filters and search on the index pages.
//
// The index pages list a fixed number of events each. Searching or filtering loads the search
// shards (search/N.js, plain scripts so this also works from file://) once, then shows the
// first matches across the whole catalog. Nothing is fetched from anywhere else.
(function () {
  "use strict";
  var body = document.body;
  if (!body || !body.classList.contains("index")) {
    return;
  }
  var MAX_RESULTS = 200;
  var root = body.getAttribute("data-root") || "";
  var shardCount = parseInt(body.getAttribute("data-shards") || "1", 10);
  var q = document.getElementById("q");
  var selects = {
    domain: document.getElementById("f-domain"),
    owner: document.getElementById("f-owner"),
    format: document.getElementById("f-format")
  };
  var tbody = document.querySelector("#events tbody");
  var pager = document.getElementById("pager");
  var status = document.getElementById("status");
  var original = tbody.innerHTML;
  var rows = null;
  var loading = null;

  var facets = window.STELE_FACETS || { domains: [], owners: [], formats: [] };
  fill(selects.domain, facets.domains);
  fill(selects.owner, facets.owners);
  fill(selects.format, facets.formats);

  function fill(select, values) {
    (values || []).forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[0] + " (" + pair[1] + ")";
      select.appendChild(option);
    });
  }

  function load(done) {
    if (rows) { done(); return; }
    if (loading) { loading.push(done); return; }
    loading = [done];
    var left = shardCount;
    function finished() {
      left -= 1;
      if (left > 0) { return; }
      var shards = window.STELE_SEARCH || {};
      rows = [];
      for (var i = 0; i < shardCount; i++) {
        rows = rows.concat(shards[i] || []);
      }
      var waiting = loading;
      loading = null;
      waiting.forEach(function (fn) { fn(); });
    }
    for (var i = 0; i < shardCount; i++) {
      var script = document.createElement("script");
      script.src = root + "search/" + i + ".js";
      script.onload = finished;
      script.onerror = finished;
      document.body.appendChild(script);
    }
  }

  function cell(text) {
    var td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  var BADGE = { "Avro": "avro", "Protobuf": "protobuf", "JSON Schema": "json" };

  function render(matches) {
    var fragment = document.createDocumentFragment();
    matches.slice(0, MAX_RESULTS).forEach(function (r) {
      var tr = document.createElement("tr");
      var first = document.createElement("td");
      var a = document.createElement("a");
      a.href = root + "events/" + r[0] + ".html";
      a.textContent = r[1];
      var subject = document.createElement("div");
      subject.className = "subject";
      subject.textContent = r[2];
      first.appendChild(a);
      first.appendChild(subject);
      tr.appendChild(first);
      tr.appendChild(cell(r[3]));
      tr.appendChild(cell(r[4]));
      var format = document.createElement("td");
      var badge = document.createElement("span");
      badge.className = "badge " + (BADGE[r[5]] || "");
      badge.textContent = r[5];
      format.appendChild(badge);
      tr.appendChild(format);
      tr.appendChild(cell(String(r[7])));
      tr.appendChild(cell(r[6]));
      fragment.appendChild(tr);
    });
    tbody.innerHTML = "";
    tbody.appendChild(fragment);
  }

  function update() {
    var terms = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    var domain = selects.domain.value, owner = selects.owner.value, format = selects.format.value;
    if (!terms.length && !domain && !owner && !format) {
      tbody.innerHTML = original;
      pager.hidden = false;
      status.textContent = "";
      return;
    }
    load(function () {
      var matches = rows.filter(function (r) {
        if (domain && r[3] !== domain) { return false; }
        if (owner && r[4] !== owner) { return false; }
        if (format && r[5] !== format) { return false; }
        for (var i = 0; i < terms.length; i++) {
          if (r[8].indexOf(terms[i]) < 0) { return false; }
        }
        return true;
      });
      render(matches);
      pager.hidden = true;
      status.textContent = matches.length > MAX_RESULTS
        ? matches.length + " events match; showing the first " + MAX_RESULTS + ". Narrow the search to see the rest."
        : matches.length + (matches.length === 1 ? " event matches." : " events match.");
    });
  }

  var timer = null;
  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 120);
  });
  Object.keys(selects).forEach(function (k) { selects[k].addEventListener("change", update); });
  document.getElementById("filters").addEventListener("submit", function (e) { e.preventDefault(); update(); });
})();
