/* The growth chart: timeseries for the period (every bucket, zero-filled by the API) of the
   metric picked on the cards, and, when comparing, the period before as a dashed line (bucket i
   against the previous period's bucket i; both series come from the API). One request brings
   every metric; the new-vs-returning panel draws from the same answer. The period's annotations
   (annotations.js) are drawn on the main series and named in the tooltip. */

import { forgetNotes, installNotes, loadNotes, mayAddNotes, noteContext, noteMarks, notesAt, openNoteForm } from "./annotations.js";
import { compareParams, load, reportUrl } from "./api.js";
import { axisStyle, chart, tooltip } from "./charts.js";
import { bucketLabel, bucketTitle, metric } from "./format.js";
import { KPIS } from "./kpis.js";
import { markLoading, markReady } from "./page-state.js";

let series = null;
let picked = "visitors";
let trend = null;
let shownView = null;
const SO_FAR = "So far (unfinished)";
const PREVIOUS = { previous: "Previous period", year: "Same period last year", custom: "Compared dates" };

function draw(p) {
  const points = series ? series.points : [];
  const interval = series ? series.period.interval : "day";
  const label = (KPIS.find(([n]) => n === picked) || [picked, picked])[1];
  const partial = points.length > 0 && points[points.length - 1].partial;
  const values = points.map((pt) => pt[picked]);
  // The unfinished bucket is drawn apart (dashed, hollow point): it is not a drop to zero.
  const done = partial ? [...values.slice(0, -1), null] : values;
  const tail = partial ? values.map((v, i) => (i >= values.length - 2 ? v : null)) : [];
  const before = previousSeries(p, points.length);
  // On a phone the legend takes two lines: the plot starts below them.
  const narrow = trend && trend.instance && trend.instance.getWidth() < 560;
  return {
    animationDuration: 300,
    grid: { left: 48, right: 16, top: narrow ? 56 : 34, bottom: 36, containLabel: false },
    legend: {
      top: 0, right: 0, textStyle: { color: p.muted }, itemHeight: 8,
      data: [label, ...(partial ? [SO_FAR] : []), ...before.map((b) => b.name)],
    },
    tooltip: tooltip(p, (items) => tipRows(items, label, interval), { trigger: "axis" }),
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
      data: done,
      symbol: points.length > 40 ? "none" : "circle",
      symbolSize: 6,
      lineStyle: { color: p.accent, width: 2.5 },
      itemStyle: { color: p.accent },
      areaStyle: { color: p.accent, opacity: 0.12 },
      ...noteMarks(p),
    }, ...(partial ? [{
      name: SO_FAR,
      type: "line",
      data: tail,
      symbol: "emptyCircle",
      symbolSize: 7,
      lineStyle: { color: p.accent, width: 2.5, type: "dashed" },
      itemStyle: { color: p.accent },
      areaStyle: { color: p.accent, opacity: 0.05 },
    }] : []), ...before],
  };
}

function tipRows(items, label, interval) {
  const index = items[0] ? items[0].dataIndex : 0;
  const point = series.points[index];
  const rows = [{ name: label, value: metric(picked, point[picked]), mark: "tip-c0" }];
  const prior = series.previous && series.previous.points[index];
  if (prior) {
    const when = bucketTitle(prior.bucket, series.previous.period.interval);
    rows.push({ name: `${when}`, value: metric(picked, prior[picked]), mark: "tip-prev" });
  }
  const hints = [point.partial ? "So far: this bucket is not over yet" : "",
    mayAddNotes() ? "Click to add a note here" : ""];
  const note = hints.filter(Boolean).join(" · ");
  return { title: bucketTitle(point.bucket, interval), rows, note, annotations: notesAt(index) };
}

function previousSeries(p, length) {
  if (!series || !series.previous) return [];
  // A DST week's hourly series may hold one bucket more or less: compare what lines up.
  const before = series.previous.points.slice(0, length);
  return [{
    name: PREVIOUS[series.compare] || PREVIOUS.previous,
    type: "line",
    data: before.map((pt) => pt[picked]),
    symbol: "none",
    lineStyle: { color: p.muted, width: 1.5, type: "dashed" },
    itemStyle: { color: p.muted },
  }];
}

export function installTrend() {
  trend = chart(document.getElementById("trend-chart"), draw);
  installNotes(() => redrawNotes());
  if (!trend.instance) return;
  // A click anywhere in the plot picks the nearest bucket (the axis tooltip's), not only a point.
  const zr = trend.instance.getZr();
  zr.on("click", (event) => {
    const at = [event.offsetX, event.offsetY];
    if (!series || !mayAddNotes() || !trend.instance.containPixel("grid", at)) return;
    const [index] = trend.instance.convertFromPixel({ gridIndex: 0 }, at);
    openNoteForm(Math.round(index));
  });
}

/** Load the period's notes for the chart shown, then draw them. */
async function redrawNotes() {
  if (!series || !shownView) return;
  const element = document.getElementById("trend-chart");
  if (await loadNotes(shownView, series)) {
    element.dataset.notes = String(document.querySelectorAll("#trend-notes li").length);
    trend.redraw();
  }
}

export async function loadTrend(view) {
  const compare = view.compare === "none" ? "none" : view.compare;
  const panel = document.getElementById("trend-card");
  markLoading(panel);
  const answer = await load("timeseries", reportUrl(view, "timeseries", compareParams(view)));
  if (!answer) return null;
  series = { ...answer, compare };
  shownView = view;
  forgetNotes(); // the last period's notes are placed on its own buckets
  noteContext(view, series);
  markReady(panel);
  showMetric(view);
  redrawNotes();
  return answer;
}

export function showMetric(view) {
  picked = view.metric;
  const element = document.getElementById("trend-chart");
  element.dataset.metric = picked;
  element.dataset.points = series ? String(series.points.length) : "0";
  element.dataset.compared = series && series.previous ? "yes" : "no";
  element.dataset.partial = series && series.period.partial ? "yes" : "no";
  const empty = !series || series.points.every((pt) => !pt.sessions && !pt[picked]);
  const emptyNote = document.getElementById("trend-empty");
  emptyNote.hidden = !series || !empty;
  emptyNote.textContent = view.filter
    ? "No visits match these filters in this period." : "No visits in this period.";
  element.setAttribute("aria-label", `Trend of ${picked}`);
  const csv = document.getElementById("trend-csv");
  csv.href = reportUrl(view, "timeseries.csv");
  csv.download = `${view.site}-timeseries-${view.range}.csv`;
  trend.redraw();
}
