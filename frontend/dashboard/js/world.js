/* The world map: countries shaded by visitors (breakdown/country over the period, every
   country). The shapes (world-atlas, named by ISO alpha-2 codes) come from
   frontend/live/world-geo.js, which the wall shares. */

import { load, reportUrl } from "./api.js";
import { chart, tooltip } from "./charts.js";
import { addFilter } from "./filters.js";
import { countryName, exact } from "./format.js";
import { markLoading, markReady } from "./page-state.js";

let answer = null;
let map = null;

function registerWorld() {
  return window.PulseWorldGeo.register(); // frontend/live/world-geo.js, shared with the wall
}

function draw(p) {
  const rows = answer ? answer.results.filter((r) => r.value) : [];
  const most = Math.max(1, ...rows.map((r) => r.visitors));
  return {
    animationDuration: 300,
    tooltip: tooltip(p, (item) => ({
      title: countryName(item.name) || item.name,
      rows: [{ name: "Visitors", value: exact(Number.isFinite(item.value) ? item.value : 0) }],
    }), { trigger: "item" }),
    visualMap: {
      min: 0, max: most, left: 8, bottom: 8, itemHeight: 90, calculable: false,
      text: [exact(most), "0"], textStyle: { color: p.muted },
      inRange: { color: [p.heatLow, p.heatHigh] },
    },
    series: answer && registered ? [{
      type: "map", map: "pulse-world", roam: false, top: 8, bottom: 8,
      emphasis: { label: { show: false }, itemStyle: { areaColor: p.accent3 } },
      select: { disabled: true },
      itemStyle: { areaColor: p.grid, borderColor: p.panel, borderWidth: 0.5 },
      data: rows.map((r) => ({ name: r.value, value: r.visitors })),
    }] : [],
  };
}

let registered = false;

export function installWorld() {
  map = chart(document.getElementById("world-chart"), draw);
  map.instance?.on("click", (event) => {
    if (event.name && Number.isFinite(event.value)) addFilter("country", event.name);
  });
}

export async function loadWorld(view) {
  const panel = document.getElementById("world");
  markLoading(panel);
  const [result] = await Promise.all([
    load("world", reportUrl(view, "breakdown/country", { limit: 300, totals: "none" })),
    registerWorld().then(() => { registered = true; }),
  ]);
  if (!result) return;
  answer = result;
  const element = document.getElementById("world-chart");
  element.dataset.countries = String(result.results.filter((r) => r.value).length);
  const empty = result.results.length === 0;
  const why = document.getElementById("world-empty");
  why.hidden = !empty;
  why.textContent = view.filter ? "No visitors match these filters in this period." : "No visitors in this period.";
  map.redraw();
  markReady(panel);
}
