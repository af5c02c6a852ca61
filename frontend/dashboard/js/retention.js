/* Retention: retention?cohort=day|week as a heat map, one row per cohort (visitors first seen
   in it) and one column per period after; each cell is the API's share, labelled with it. */

import { markLoading, markReady } from "./page-state.js";
import { load, reportUrl } from "./api.js";
import { axisStyle, chart, tooltip } from "./charts.js";
import { dayLabel, exact } from "./format.js";
import { update } from "./state.js";

const DAY_MS = 86_400_000;
let answer = null;
let heat = null;

function cohortLabel(cohort, unit) {
  const day = dayLabel(cohort.cohort.slice(0, 10));
  return `${unit === "Week" ? `Week of ${day}` : day} · ${exact(cohort.visitors)} visitors`;
}

/** A cell whose period has not ended yet (it can still grow): marked, not compared as done. */
function isPartial(cohort, k, length) {
  const until = answer.period.until_ms;
  return until !== null && until !== undefined && cohort.start_ms + (k + 1) * length > until;
}

function cell(cohort, r, row, length, p) {
  const partial = isPartial(cohort, r.k, length);
  return {
    value: [r.k, row, r.share],
    visitors: r.visitors,
    partial,
    itemStyle: partial ? { borderColor: p.muted, borderType: "dashed", borderWidth: 1.5 } : undefined,
  };
}

function draw(p) {
  const cohorts = answer ? answer.cohorts.filter((c) => c.visitors > 0) : [];
  const unit = answer && answer.cohort === "day" ? "Day" : "Week";
  const length = unit === "Day" ? DAY_MS : 7 * DAY_MS;
  const width = Math.max(1, ...cohorts.map((c) => c.retention.length));
  const cells = cohorts.flatMap((c, row) => c.retention.map((r) => cell(c, r, row, length, p)));
  const later = cells.filter((c) => c.value[0] >= 1).map((c) => c.value[2]);
  // The scale spans the real range of the k >= 1 cells (day 0 is 100 % by definition and
  // drawn neutral), so 3 % and 25 % no longer share one pale tint.
  const low = later.length ? Math.min(...later) : 0;
  const high = later.length ? Math.max(...later) : 100;
  return {
    animationDuration: 300,
    grid: { left: 8, right: 8, top: 24, bottom: 8, containLabel: true },
    tooltip: tooltip(p, (item) => {
      const cohort = cohorts[item.value[1]];
      const k = item.value[0];
      return {
        title: cohortLabel(cohort, unit),
        rows: [{ name: k === 0 ? `${unit} 0 (first seen)` : `${unit} ${k} after`, value: `${item.value[2]}% · ${exact(item.data.visitors)}` }],
        note: item.data.partial ? "So far: this period is not over yet" : "",
      };
    }),
    xAxis: {
      type: "category", position: "top",
      data: Array.from({ length: width }, (_, k) => `${unit} ${k}`),
      ...axisStyle(p), splitArea: { show: false },
    },
    yAxis: {
      type: "category", inverse: true,
      data: cohorts.map((c) => cohortLabel(c, unit)),
      ...axisStyle(p),
    },
    visualMap: {
      show: false, min: low, max: Math.max(high, low + 0.1), dimension: 2, seriesIndex: 1,
      inRange: { color: [p.heatLow, p.heatHigh] },
    },
    series: [
      heatSeries(p, cells.filter((c) => c.value[0] === 0), { color: p.grid }),
      heatSeries(p, cells.filter((c) => c.value[0] >= 1), {}, (c) => c.value[2] > (low + high) / 2),
    ],
  };
}

function heatSeries(p, data, itemStyle, dark = () => false) {
  return {
    type: "heatmap",
    data: data.map((c) => ({ ...c, label: dark(c) ? { color: "#fff" } : undefined })),
    label: { show: true, color: p.text, fontSize: 11, formatter: (item) => `${item.value[2]}%${item.data.partial ? "*" : ""}` },
    itemStyle: { borderColor: p.panel, borderWidth: 2, ...itemStyle },
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
  markLoading(panel);
  const result = await load("retention", reportUrl(view, "retention", { cohort }));
  if (!result) return;
  answer = result;
  const element = document.getElementById("retention-chart");
  const shown = result.cohorts.filter((c) => c.visitors > 0); // a cohort of 0 has no share
  element.dataset.cohorts = String(shown.length);
  element.dataset.cells = String(shown.reduce((n, c) => n + c.retention.length, 0));
  element.classList.add("sized");
  element.classList.toggle("is-empty", shown.length === 0);
  const columns = Math.max(1, ...shown.map((c) => c.retention.length));
  // Every cell keeps room for "100%" (daily cohorts scroll sideways inside the card instead).
  element.style.minWidth = `${260 + 52 * columns}px`;
  element.style.height = shown.length ? `${Math.max(160, 60 + 34 * shown.length)}px` : "0";
  const why = document.getElementById("retention-empty");
  why.hidden = shown.length > 0;
  why.textContent = view.filter ? "No first-time visitors match these filters in this period."
    : "No first-time visitors in this period, so no cohorts to follow.";
  document.getElementById("retention-note").hidden = shown.length === 0;
  heat.instance?.resize();
  heat.redraw();
  markReady(panel);
}
