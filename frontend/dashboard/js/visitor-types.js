/* New vs returning visitors: their counts (breakdown/visitor_type; a visitor with both a new
   and a returning visit in the period is in both) as a donut, and their trend from the
   timeseries the growth chart already loaded. A legend entry filters by the visitor type. */

import { markLoading, markReady } from "./page-state.js";
import { load, reportUrl } from "./api.js";
import { axisStyle, chart, tooltip } from "./charts.js";
import { addFilter } from "./filters.js";
import { bucketLabel, bucketTitle, exact } from "./format.js";

const TYPES = [["new", "New visitors", "accent"], ["returning", "Returning visitors", "accent2"]];
const MARKS = { accent: "tip-c0", accent2: "tip-c1" };
let counts = null;
let series = null;
let donut = null;
let trend = null;

function drawDonut(p) {
  const data = TYPES.map(([value, label, colour]) => ({
    name: label,
    value: counts ? counts[value] || 0 : 0,
    itemStyle: { color: p[colour] },
  }));
  return {
    animationDuration: 300,
    tooltip: tooltip(p, (item) => ({
      rows: [{ name: item.name, value: `${exact(item.value)} · ${item.percent}%`, mark: MARKS[TYPES[item.dataIndex][2]] }],
    }), { trigger: "item" }),
    series: [{
      type: "pie",
      radius: ["55%", "85%"],
      label: { show: false },
      itemStyle: { borderColor: p.panel, borderWidth: 2 },
      data,
    }],
  };
}

function drawTrend(p) {
  const points = series ? series.points : [];
  const interval = series ? series.period.interval : "day";
  const line = (name, key, colour) => ({
    name, type: "line", data: points.map((pt) => pt[key]), symbol: "none",
    lineStyle: { color: p[colour], width: 2 }, itemStyle: { color: p[colour] },
  });
  return {
    animationDuration: 300,
    grid: { left: 36, right: 8, top: 28, bottom: 24 },
    legend: { top: 0, textStyle: { color: p.muted }, itemHeight: 8 },
    tooltip: tooltip(p, (items) => ({
      title: items[0] ? bucketTitle(points[items[0].dataIndex].bucket, interval) : "",
      rows: items.map((item) => ({
        name: item.seriesName, value: exact(item.value), mark: `tip-c${item.seriesIndex}`,
      })),
    }), { trigger: "axis" }),
    xAxis: {
      type: "category", boundaryGap: false,
      data: points.map((pt) => bucketLabel(pt.bucket, interval)),
      ...axisStyle(p), splitLine: { show: false },
    },
    yAxis: { type: "value", minInterval: 1, ...axisStyle(p) },
    series: [line("New", "new_visitors", "accent"), line("Returning", "returning_visitors", "accent2")],
  };
}

export function installVisitorTypes() {
  donut = chart(document.getElementById("vt-donut"), drawDonut);
  trend = chart(document.getElementById("vt-chart"), drawTrend);
}

function renderLegend() {
  const list = document.getElementById("vt-legend");
  list.replaceChildren(...TYPES.map(([value, label, colour]) => {
    const item = document.createElement("li");
    item.dataset.type = value;
    const swatch = document.createElement("span");
    swatch.className = `swatch ${colour}`;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "row-button";
    button.textContent = label;
    button.title = `Filter by ${label.toLowerCase()}`;
    button.addEventListener("click", () => addFilter("visitor_type", value));
    const number = document.createElement("span");
    number.className = "num";
    number.dataset.value = String(counts[value] || 0);
    number.textContent = exact(counts[value] || 0);
    item.append(swatch, button, number);
    return item;
  }));
}

export async function loadVisitorTypes(view) {
  const panel = document.getElementById("visitor-types");
  markLoading(panel);
  const answer = await load("visitor_type", reportUrl(view, "breakdown/visitor_type", { totals: "none" }));
  if (!answer) return;
  counts = Object.fromEntries(answer.results.map((r) => [r.value, r.visitors]));
  renderLegend();
  // 0 against 0 is no share at all: say so instead of drawing a half-and-half ring.
  const none = !(counts.new || counts.returning);
  const empty = document.getElementById("vt-empty");
  empty.hidden = !none;
  empty.textContent = view.filter ? "No visitors match these filters in this period."
    : "No visitors in this period.";
  document.getElementById("vt-donut").classList.toggle("is-empty", none);
  document.getElementById("vt-note").hidden = none;
  donut.redraw();
  markReady(panel);
}

/** The trend half, from the growth chart's timeseries answer. */
export function showVisitorTypeTrend(answer) {
  series = answer;
  trend.redraw();
}
