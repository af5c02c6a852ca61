/* Retention: retention?cohort=day|week as a heat map, one row per cohort (visitors first seen
   in it) and one column per period after; each cell is the API's share, labelled with it. */

import { load, reportUrl } from "./api.js";
import { axisStyle, chart, tooltipStyle } from "./charts.js";
import { exact } from "./format.js";
import { update } from "./state.js";

let answer = null;
let heat = null;

function cohortLabel(cohort) {
  const label = cohort.cohort.slice(0, 10);
  return `${label} · ${exact(cohort.visitors)}`;
}

function draw(p) {
  const cohorts = answer ? answer.cohorts : [];
  const unit = answer && answer.cohort === "day" ? "Day" : "Week";
  const width = Math.max(1, ...cohorts.map((c) => c.retention.length));
  const cells = cohorts.flatMap((c, row) =>
    c.retention.map((r) => ({
      value: [r.k, row, r.share],
      visitors: r.visitors,
      label: r.share >= 50 ? { color: "#fff" } : undefined,
    })));
  return {
    animationDuration: 300,
    grid: { left: 8, right: 8, top: 24, bottom: 8, containLabel: true },
    tooltip: {
      ...tooltipStyle(p),
      formatter: (item) => `${unit} ${item.value[0]}: ${item.value[2]}% (${exact(item.data.visitors)} visitors)`,
    },
    xAxis: {
      type: "category", position: "top",
      data: Array.from({ length: width }, (_, k) => `${unit} ${k}`),
      ...axisStyle(p), splitArea: { show: false },
    },
    yAxis: {
      type: "category", inverse: true,
      data: cohorts.map(cohortLabel),
      ...axisStyle(p),
    },
    visualMap: {
      show: false, min: 0, max: 100, dimension: 2,
      inRange: { color: [p.heatLow, p.heatHigh] },
    },
    series: [{
      type: "heatmap",
      data: cells,
      label: { show: true, color: p.text, formatter: (item) => `${item.value[2]}%` },
      itemStyle: { borderColor: p.panel, borderWidth: 2 },
    }],
  };
}

export function installRetention() {
  heat = chart(document.getElementById("retention-chart"), draw);
  document.getElementById("cohort").addEventListener("change", (e) => {
    update({ cohort: e.target.value });
  });
}

export async function loadRetention(view) {
  const panel = document.getElementById("retention");
  document.getElementById("cohort").value = view.cohort;
  // Auto: daily cohorts for a day or a week, weekly beyond.
  const cohort = view.cohort || (view.range === "24h" || view.range === "7d" ? "day" : "week");
  panel.dataset.state = "loading";
  const result = await load("retention", reportUrl(view, "retention", { cohort }));
  if (!result) return;
  answer = result;
  const element = document.getElementById("retention-chart");
  element.dataset.cohorts = String(result.cohorts.length);
  element.dataset.cells = String(result.cohorts.reduce((n, c) => n + c.retention.length, 0));
  element.classList.add("sized");
  element.style.height = `${Math.max(160, 60 + 34 * result.cohorts.length)}px`;
  heat.instance?.resize();
  heat.redraw();
  panel.dataset.state = "ready";
}
