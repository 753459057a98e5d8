// Charts of a simulation run's page (templates/infusion/simulation/run.html), drawn by the
// vendored Chart.js. Each <canvas data-simulation-chart="ID"> reads its data from the JSON block
// <script id="ID" type="application/json"> that Django's json_script wrote, so no data or code is
// inline (the Content-Security-Policy allows scripts from static/ only). The table above the charts
// holds every figure; without script, or if Chart.js is missing, only the table shows.
//   data-kind="bars": one bar per policy (its mean) with a whisker from `lows` to `highs`.
//   data-kind="lines": one line per policy (`series`) and the nurses' cap (`cap`) as a dashed line.
"use strict";

(() => {
  const PALETTE = ["#1f5fbf", "#b26a00", "#2e7d32", "#8e24aa"];
  const CAP_COLOR = "#c62828";
  const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  const reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // Whiskers: a vertical line from low to high over each bar, with short caps at both ends.
  const whiskers = {
    id: "whiskers",
    afterDatasetsDraw(chart) {
      const spec = chart.config.options.whiskerData;
      if (!spec) {
        return;
      }
      const { ctx } = chart;
      const meta = chart.getDatasetMeta(0);
      const y = chart.scales.y;
      ctx.save();
      ctx.strokeStyle = "#1b2733";
      ctx.lineWidth = 1.5;
      meta.data.forEach((bar, index) => {
        const low = spec.lows[index];
        const high = spec.highs[index];
        if (low === null || high === null || low === undefined || high === undefined) {
          return;
        }
        const top = y.getPixelForValue(high);
        const bottom = y.getPixelForValue(low);
        ctx.beginPath();
        ctx.moveTo(bar.x, top);
        ctx.lineTo(bar.x, bottom);
        ctx.moveTo(bar.x - 6, top);
        ctx.lineTo(bar.x + 6, top);
        ctx.moveTo(bar.x - 6, bottom);
        ctx.lineTo(bar.x + 6, bottom);
        ctx.stroke();
      });
      ctx.restore();
    },
  };

  const bars = (spec) => ({
    type: "bar",
    data: {
      labels: spec.labels,
      datasets: [
        {
          label: spec.title,
          data: spec.means,
          backgroundColor: spec.labels.map((_, index) => `${PALETTE[index % PALETTE.length]}bf`),
          borderWidth: 0,
        },
      ],
    },
    plugins: [whiskers],
    options: {
      whiskerData: spec,
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 400 },
      scales: {
        x: { grid: { display: false } },
        y: {
          beginAtZero: true,
          suggestedMax: Math.max(...spec.highs.filter((value) => value !== null)),
          title: { display: true, text: spec.unit },
        },
      },
      plugins: {
        legend: { display: false },
        title: { display: true, text: spec.title },
        tooltip: {
          callbacks: {
            label: (item) => {
              const i = item.dataIndex;
              return `${number.format(spec.means[i])} ${spec.unit} (95 %: ${number.format(spec.lows[i])}–${number.format(spec.highs[i])})`;
            },
          },
        },
      },
    },
  });

  const lines = (spec) => {
    const datasets = spec.series.map((set, index) => ({
      label: set.label,
      data: set.data,
      borderColor: PALETTE[index % PALETTE.length],
      backgroundColor: PALETTE[index % PALETTE.length],
      borderWidth: 2,
      pointRadius: 0,
    }));
    datasets.push({
      label: "Chairs the nurses support",
      data: spec.labels.map(() => spec.cap),
      borderColor: CAP_COLOR,
      backgroundColor: CAP_COLOR,
      borderDash: [6, 4],
      borderWidth: 2,
      pointRadius: 0,
    });
    return {
      type: "line",
      data: { labels: spec.labels, datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 400 },
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { grid: { display: false }, ticks: { maxTicksLimit: 12 } },
          y: { beginAtZero: true, suggestedMax: spec.chairs || undefined, title: { display: true, text: "chairs" } },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${number.format(item.parsed.y)}` } },
        },
      },
    };
  };

  const draw = (canvas) => {
    const source = document.getElementById(canvas.dataset.simulationChart);
    if (!source || Chart.getChart(canvas)) {
      return;
    }
    const spec = JSON.parse(source.textContent);
    new Chart(canvas, canvas.dataset.kind === "bars" ? bars(spec) : lines(spec));
  };

  const drawAll = () => {
    if (typeof window.Chart === "undefined") {
      return;
    }
    const canvases = document.querySelectorAll("canvas[data-simulation-chart]");
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
