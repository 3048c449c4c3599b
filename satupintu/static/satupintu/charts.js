// Charts drawn from the data tables beside them (Chart.js, served from our own static files).
// A chart is only a picture of its table: the table stays in the page (in a <details> the
// chart closes), so the figures read the same without JavaScript, to a screen reader, and
// when printed. Everything comes from the markup (no inline script: CSP):
//   <figure class="chart" data-chart="line|bar|hbar" data-chart-label="...">
//     <figcaption>...</figcaption>
//     <details class="chart-data" open><summary>...</summary>
//       <table> with <th data-series> on the columns to draw and <td data-value="12.5"> cells
//   </figure>
(() => {
  if (typeof window.Chart !== "function") return;
  const palette = ["#0b5cab", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#4b5563"];
  const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function value(cell) {
    if (!cell || cell.dataset.value === undefined || cell.dataset.value === "") return null;
    const number = Number(cell.dataset.value);
    return Number.isFinite(number) ? number : null;
  }

  function read(table) {
    const heads = Array.from(table.tHead ? table.tHead.rows[0].cells : []);
    const columns = heads.map((cell, index) => ({ cell, index })).filter((c) => c.cell.hasAttribute("data-series"));
    const rows = Array.from(table.tBodies[0] ? table.tBodies[0].rows : []);
    const labels = rows.map((row) => row.cells[0].textContent.trim());
    const datasets = columns.map((column, n) => ({
      label: column.cell.textContent.trim(),
      data: rows.map((row) => value(row.cells[column.index])),
      borderColor: palette[n % palette.length],
      backgroundColor: palette[n % palette.length],
      spanGaps: true,
    }));
    return { labels, datasets };
  }

  function draw(figure) {
    const table = figure.querySelector("table");
    if (!table) return;
    const data = read(table);
    if (!data.datasets.length || !data.labels.length) return;
    const kind = figure.dataset.chart || "line";
    const box = document.createElement("div");
    box.className = "chart-canvas";
    // A bar per row across: the chart grows with the rows (every mall side by side).
    if (kind === "hbar") box.style.height = Math.max(18, data.labels.length * 1.6 + 4) + "rem";
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", figure.dataset.chartLabel || "");
    box.append(canvas);
    const details = figure.querySelector("details.chart-data");
    figure.insertBefore(box, details || table);
    new window.Chart(canvas, {
      type: kind === "hbar" ? "bar" : kind,
      data,
      options: {
        indexAxis: kind === "hbar" ? "y" : "x",
        maintainAspectRatio: false,
        animation: still ? false : undefined,
        plugins: { legend: { display: data.datasets.length > 1 } },
        scales: { y: { beginAtZero: kind !== "hbar" } },
      },
    });
    if (details) details.open = false;
  }

  document.querySelectorAll("figure.chart").forEach(draw);
})();
