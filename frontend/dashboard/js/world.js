/* The world map: countries shaded by visitors (breakdown/country over the period, every
   country). The map is Natural Earth's 1:110m countries (world-atlas, TopoJSON) turned into
   GeoJSON by topojson-client, each feature named by its ISO alpha-2 code (i18n-iso-countries'
   table: world-atlas keys countries by ISO numeric), so the API's codes match it. All three
   are served by Pulse from node_modules: nothing is fetched from elsewhere. */

import { getJson, load, reportUrl } from "./api.js";
import { chart, tooltip } from "./charts.js";
import { addFilter } from "./filters.js";
import { countryName, exact } from "./format.js";
import { markLoading, markReady } from "./page-state.js";

let answer = null;
let map = null;
let ready = null; // the map's registration, once

/** ECharts draws longitude as a plane: a ring crossing the antimeridian (Russia's east, Fiji)
    would be drawn as a line across the map. Its western points move past +180 instead. */
function unwrap(geometry) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates]
    : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  for (const ring of polygons.flat()) {
    const lons = ring.map(([lon]) => lon);
    if (Math.max(...lons) - Math.min(...lons) <= 180) continue;
    for (const point of ring) if (point[0] < 0) point[0] += 360;
  }
}

function registerWorld() {
  ready ??= Promise.all([
    getJson("/assets/vendor/countries-110m.json"),
    getJson("/assets/vendor/country-codes.json"),
  ]).then(([topology, codes]) => {
    const alpha2 = new Map(codes.map(([two, , numeric]) => [numeric, two]));
    const world = window.topojson.feature(topology, topology.objects.countries);
    // Antarctica takes a fifth of the height and has no visitors.
    world.features = world.features.filter((f) => String(f.id) !== "010");
    for (const feature of world.features) {
      unwrap(feature.geometry);
      feature.properties = { name: alpha2.get(String(feature.id).padStart(3, "0")) || feature.properties.name };
    }
    window.echarts.registerMap("pulse-world", world);
    return true;
  });
  return ready;
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
