// Draws each chart from the HTML table beside it (the table is the source: a hidden
// cell, "< 5" or "–", is a gap). No inline script: the page's CSP allows none.
(function () {
  "use strict";
  var colours = ["#0d5f56", "#b34700", "#3a4fa0", "#8a2a6b", "#5b6b00", "#6b4a2b"];

  function number(cell) {
    var text = cell.textContent.trim().replace(" %", "");
    return /^\d+$/.test(text) ? Number(text) : null;
  }

  function draw(box) {
    var table = document.getElementById(box.getAttribute("data-table"));
    if (!table || typeof Chart === "undefined") { return; }
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells, 1)
      .filter(function (th) { return !th.classList.contains("totaal"); });
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var labels = rows.map(function (row) { return row.cells[0].textContent.trim(); });
    var datasets = heads.map(function (th, index) {
      return {
        label: th.textContent.trim(),
        data: rows.map(function (row) { return number(row.cells[index + 1]); }),
        borderColor: colours[index % colours.length],
        backgroundColor: colours[index % colours.length],
        spanGaps: false
      };
    });
    new Chart(box.querySelector("canvas"), {
      type: box.getAttribute("data-chart"),
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  });
})();
