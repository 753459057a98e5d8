// Charts of the analytics pages (templates/analytics/), drawn by the vendored Chart.js. Each
// <canvas data-chart="ID"> reads its data from the JSON block <script id="ID"
// type="application/json"> that Django's json_script wrote, so no data or code is inline (the
// Content-Security-Policy allows scripts from static/ only). Every chart has a table of the same
// figures next to it; without script, or if Chart.js is missing, only the tables show.
"use strict";

(() => {
  const PALETTE = ["#1f5fbf", "#b26a00", "#2e7d32", "#8e24aa", "#c62828", "#00838f"];
  const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

  const unitText = (value, unit) => {
    if (value === null || value === undefined) {
      return "—";
    }
    return unit === "%" ? `${number.format(value)} %` : `${number.format(value)} ${unit || ""}`.trim();
  };

  const config = (spec) => {
    const scales = {
      x: { grid: { display: false } },
      y: { beginAtZero: spec.type === "bar", title: { display: Boolean(spec.axes && spec.axes.y), text: spec.axes ? spec.axes.y : "" } },
    };
    const datasets = spec.datasets.map((set, index) => {
      const color = PALETTE[index % PALETTE.length];
      const line = (set.type || spec.type) === "line";
      if (set.axis && !scales[set.axis]) {
        scales[set.axis] = {
          position: "right",
          beginAtZero: true,
          grid: { drawOnChartArea: false },
          title: { display: true, text: spec.axes ? spec.axes[set.axis] : "" },
        };
      }
      return {
        label: set.label,
        data: set.data,
        type: set.type || spec.type,
        yAxisID: set.axis || "y",
        unit: set.unit || spec.unit || "",
        borderColor: color,
        backgroundColor: line ? color : `${color}bf`,
        borderWidth: line ? 2 : 0,
        pointRadius: line ? 2 : 0,
        spanGaps: false,
        order: line ? 0 : 1,
      };
    });
    const reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    return {
      type: spec.type,
      data: { labels: spec.labels, datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 400 },
        interaction: { mode: "index", intersect: false },
        scales,
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: (item) => `${item.dataset.label}: ${unitText(item.parsed.y, item.dataset.unit)}`,
            },
          },
        },
      },
    };
  };

  const draw = (canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || Chart.getChart(canvas)) {
      return;
    }
    new Chart(canvas, config(JSON.parse(source.textContent)));
  };

  const drawAll = () => {
    if (typeof window.Chart === "undefined") {
      return;
    }
    const canvases = document.querySelectorAll("canvas[data-chart]");
    if (canvases.length) {
      document.documentElement.classList.add("charts-drawn");
    }
    canvases.forEach(draw);
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
