/* The growth chart: timeseries for the period (every bucket, zero-filled by the API) of the
   metric picked on the cards, and, when comparing, the period before as a dashed line (bucket i
   against the previous period's bucket i; both series come from the API). One request brings
   every metric; the new-vs-returning panel draws from the same answer. */

import { load, reportUrl } from "./api.js";
import { axisStyle, chart, tooltipStyle } from "./charts.js";
import { bucketLabel, metric } from "./format.js";
import { KPIS } from "./kpis.js";

let series = null;
let picked = "visitors";
let trend = null;

function draw(p) {
  const points = series ? series.points : [];
  const interval = series ? series.period.interval : "day";
  const label = (KPIS.find(([n]) => n === picked) || [picked, picked])[1];
  return {
    animationDuration: 300,
    grid: { left: 48, right: 16, top: 16, bottom: 28, containLabel: false },
    tooltip: {
      trigger: "axis",
      ...tooltipStyle(p),
      valueFormatter: (v) => metric(picked, v),
    },
    xAxis: {
      type: "category",
      boundaryGap: false,
      data: points.map((pt) => bucketLabel(pt.bucket, interval)),
      ...axisStyle(p),
      splitLine: { show: false },
    },
    yAxis: {
      type: "value",
      minInterval: picked === "views_per_session" ? 0 : 1,
      ...axisStyle(p),
      axisLabel: { color: p.muted, formatter: (v) => metric(picked, v) },
    },
    series: [{
      name: label,
      type: "line",
      data: points.map((pt) => pt[picked]),
      symbol: points.length > 40 ? "none" : "circle",
      symbolSize: 6,
      lineStyle: { color: p.accent, width: 2.5 },
      itemStyle: { color: p.accent },
      areaStyle: { color: p.accent, opacity: 0.12 },
    }, ...previousSeries(p, points.length)],
  };
}

function previousSeries(p, length) {
  if (!series || !series.previous) return [];
  // A DST week's hourly series may hold one bucket more or less: compare what lines up.
  const before = series.previous.points.slice(0, length);
  return [{
    name: "Previous period",
    type: "line",
    data: before.map((pt) => pt[picked]),
    symbol: "none",
    lineStyle: { color: p.muted, width: 1.5, type: "dashed" },
    itemStyle: { color: p.muted },
  }];
}

export function installTrend() {
  trend = chart(document.getElementById("trend-chart"), draw);
}

export async function loadTrend(view) {
  const compare = view.compare === "previous" ? "previous" : "none";
  const answer = await load("timeseries", reportUrl(view, "timeseries", { compare }));
  if (!answer) return null;
  series = answer;
  showMetric(view);
  return answer;
}

export function showMetric(view) {
  picked = view.metric;
  const element = document.getElementById("trend-chart");
  element.dataset.metric = picked;
  element.dataset.points = series ? String(series.points.length) : "0";
  element.dataset.compared = series && series.previous ? "yes" : "no";
  element.setAttribute("aria-label", `Trend of ${picked}`);
  const csv = document.getElementById("trend-csv");
  csv.href = reportUrl(view, "timeseries.csv");
  csv.download = `${view.site}-timeseries-${view.range}.csv`;
  trend.redraw();
}
