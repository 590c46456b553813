// Filters and sorting for the findings table. Works on the rows the page already contains;
// loads nothing.
(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  var shown = document.getElementById("shown");
  var sev = document.getElementById("f-severity");
  var rule = document.getElementById("f-rule");
  var text = document.getElementById("f-text");
  var total = Number(document.getElementById("finding-total").getAttribute("data-total"));
  // Print everything, expanded.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) {
      if (!d.open) { d.setAttribute("data-was-closed", ""); d.open = true; }
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-was-closed]").forEach(function (d) {
      d.open = false; d.removeAttribute("data-was-closed");
    });
  });
  // The map: fit to the page's width, or actual size (scrolls).
  var zoom = document.getElementById("map-zoom");
  var figure = document.getElementById("map-graph");
  if (zoom && figure) {
    zoom.addEventListener("click", function () {
      var fit = figure.classList.toggle("fit");
      zoom.textContent = fit ? "Actual size" : "Fit to width";
      zoom.setAttribute("aria-pressed", fit ? "false" : "true");
    });
  }
  if (!table) { return; }
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody.finding"));
  function apply() {
    var s = sev.value, r = rule.value, q = text.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (row) {
      var ok = (!s || row.getAttribute("data-sev") === s) &&
        (!r || row.getAttribute("data-rule") === r) &&
        (!q || row.textContent.toLowerCase().indexOf(q) !== -1);
      row.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = n + " of " + total + " shown";
  }
  [sev, rule].forEach(function (el) { el.addEventListener("change", apply); });
  // A node of the map shows the findings of its file.
  if (figure) {
    figure.addEventListener("click", function (ev) {
      var node = ev.target.closest ? ev.target.closest("g.node[data-file]") : null;
      if (!node) { return; }
      text.value = node.getAttribute("data-file");
      apply();
      document.getElementById("findings").scrollIntoView();
    });
  }
  text.addEventListener("input", apply);
  var keys = {
    sev: function (row) { return [Number(row.getAttribute("data-rank")), row.getAttribute("data-rule")]; },
    rule: function (row) { return [row.getAttribute("data-rule"), Number(row.getAttribute("data-rank"))]; },
    file: function (row) { return [row.getAttribute("data-file"), Number(row.getAttribute("data-line"))]; }
  };
  var current = null, dir = 1;
  table.querySelectorAll("th.sortable").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-sort");
      dir = current === key ? -dir : 1;
      current = key;
      table.querySelectorAll("th.sortable").forEach(function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
      th.classList.add(dir === 1 ? "sorted-asc" : "sorted-desc");
      var f = keys[key];
      rows.sort(function (a, b) {
        var x = f(a), y = f(b);
        for (var i = 0; i < x.length; i++) {
          if (x[i] < y[i]) { return -dir; }
          if (x[i] > y[i]) { return dir; }
        }
        return Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order"));
      });
      rows.forEach(function (row) { table.appendChild(row); });
    });
  });
  apply();
})();
