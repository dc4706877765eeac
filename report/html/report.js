(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.add("js");
  var table = doc.getElementById("checks");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var numeric = { order: 1, sev: 1, status: 1, aff: 1 };
  var state = { sev: "", status: "", cat: "", q: "", sort: "order" };
  var controls = {
    sev: doc.getElementById("f-sev"),
    status: doc.getElementById("f-status"),
    cat: doc.getElementById("f-cat"),
    q: doc.getElementById("f-q")
  };

  function readHash() {
    var h = (location.hash || "").replace(/^#/, "");
    if (h.indexOf("=") < 0) { return; }
    h.split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i < 0) { return; }
      var k = decodeURIComponent(kv.slice(0, i));
      var v = decodeURIComponent(kv.slice(i + 1).replace(/\+/g, " "));
      if (Object.prototype.hasOwnProperty.call(state, k)) { state[k] = v; }
    });
  }

  function writeHash() {
    var parts = [];
    Object.keys(state).forEach(function (k) {
      if (state[k] && !(k === "sort" && state[k] === "order")) {
        parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(state[k]));
      }
    });
    try {
      history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname + location.search);
    } catch (e) { /* some viewers refuse; the view still works */ }
  }

  function apply() {
    var q = state.q.toLowerCase();
    var shown = 0;
    rows.forEach(function (tr) {
      var d = tr.dataset;
      var ok = (!state.sev || d.sevName === state.sev) &&
        (!state.status || d.statusName === state.status) &&
        (!state.cat || d.cat === state.cat) &&
        (!q || tr.textContent.toLowerCase().indexOf(q) >= 0);
      tr.hidden = !ok;
      if (ok) { shown++; }
    });
    var key = state.sort.replace(/^-/, "");
    var desc = state.sort.charAt(0) === "-";
    if (!Object.prototype.hasOwnProperty.call(numeric, key) && ["id", "title", "cat"].indexOf(key) < 0) {
      key = "order"; desc = false; state.sort = "order";
    }
    var sorted = rows.slice().sort(function (a, b) {
      var x = a.dataset[key], y = b.dataset[key], c;
      if (numeric[key]) { c = Number(x) - Number(y); } else { c = x.localeCompare(y); }
      if (desc) { c = -c; }
      return c || Number(a.dataset.order) - Number(b.dataset.order);
    });
    sorted.forEach(function (tr) { body.appendChild(tr); });
    Array.prototype.forEach.call(table.tHead.querySelectorAll("th[data-key]"), function (th) {
      var k = th.getAttribute("data-key");
      th.setAttribute("aria-sort", k === key ? (desc ? "descending" : "ascending") : "none");
    });
    var count = doc.getElementById("f-count");
    if (count) { count.textContent = shown + " of " + rows.length + " checks shown"; }
    table.setAttribute("data-sorted", state.sort);
    table.setAttribute("data-shown", String(shown));
  }

  readHash();
  Object.keys(controls).forEach(function (k) {
    var c = controls[k];
    if (!c) { return; }
    if (state[k]) { c.value = state[k]; if (c.value !== state[k]) { state[k] = ""; } }
    c.addEventListener(k === "q" ? "input" : "change", function () {
      state[k] = c.value;
      apply();
      writeHash();
    });
  });
  Array.prototype.forEach.call(table.tHead.querySelectorAll("th[data-key] button"), function (btn) {
    btn.addEventListener("click", function () {
      var k = btn.parentNode.getAttribute("data-key");
      state.sort = state.sort === k ? "-" + k : k;
      apply();
      writeHash();
    });
  });
  var reset = doc.getElementById("f-reset");
  if (reset) {
    reset.addEventListener("click", function () {
      state = { sev: "", status: "", cat: "", q: "", sort: "order" };
      Object.keys(controls).forEach(function (k) { if (controls[k]) { controls[k].value = ""; } });
      apply();
      writeHash();
    });
  }
  apply();
})();
