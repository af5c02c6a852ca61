/* User flow: flows?depth=&start= as a Sankey (step 0 the source, then the first pages, then
   where visits ended). Node ids ("2:/pricing") are the API's; only their names are shown.
   Clicking a source or page node filters the dashboard by it. */

import { markLoading, markReady } from "./page-state.js";
import { load, reportUrl } from "./api.js";
import { chart, tooltip } from "./charts.js";
import { addFilter, canFilter } from "./filters.js";
import { exact, shorten } from "./format.js";
import { update } from "./state.js";

const START_CHOICES = 25;
const LEFT = 8;
const RIGHT = 150; // room for the last column's labels
const NODE_WIDTH = 14;
const TOP = 52; // room for the column headings and their exit rates
let answer = null;
let sankey = null;

/** A colour per name, the same at every step and in every view (a hash, not an order). */
function colourOf(name, p) {
  if (name.startsWith("(")) return p.muted; // (other), (exit), (continues)
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return p.series[hash % (p.series.length - 1)]; // the last series colour is the muted grey
}

function ordinal(n) {
  const suffix = n % 10 === 1 && n % 100 !== 11 ? "st" : n % 10 === 2 && n % 100 !== 12 ? "nd"
    : n % 10 === 3 && n % 100 !== 13 ? "rd" : "th";
  return `${n}${suffix}`;
}

/** "Source", "1st page · 43% left", ... one heading per column, over its nodes. */
function headings(p, columns, width) {
  const span = Math.max(1, width - LEFT - RIGHT - NODE_WIDTH);
  const rates = new Map((answer ? answer.steps : []).map((s) => [s.step, s.exit_rate]));
  const last = columns - 1;
  return Array.from({ length: columns }, (_, step) => {
    const x = LEFT + (last ? (span * step) / last : 0);
    const title = step === 0 ? "Source" : step === last && step > answer.depth ? "Then" : `${ordinal(step)} page`;
    const rate = rates.has(step) ? `${rates.get(step)}% left here` : "";
    return {
      type: "text", left: x, top: 6, silent: true,
      style: { text: rate ? `${title}\n${rate}` : title, fill: p.muted, font: "600 12px sans-serif", lineHeight: 16 },
    };
  });
}

function draw(p) {
  const nodes = answer ? answer.nodes : [];
  const links = answer ? answer.links : [];
  const columns = nodes.length ? Math.max(...nodes.map((n) => n.step)) + 1 : 0;
  const width = sankey && sankey.instance ? sankey.instance.getWidth() : 900;
  // Labels sit right of their node and stop before the next column (full text on hover).
  const labelWidth = Math.max(40, (width - LEFT - RIGHT) / Math.max(1, columns - 1) - NODE_WIDTH - 12);
  return {
    animationDuration: 300,
    graphic: headings(p, columns, width),
    tooltip: tooltip(p, (item) => (item.dataType === "edge"
      ? { title: `${item.data.fromName} → ${item.data.toName}`, rows: [{ name: "Visits", value: exact(item.value) }] }
      : { title: item.data.display, rows: [{ name: "Visits", value: exact(item.value) }] }), { trigger: "item" }),
    series: [{
      type: "sankey",
      left: LEFT, right: RIGHT, top: TOP, bottom: 8,
      nodeAlign: "left",
      nodeWidth: NODE_WIDTH,
      nodeGap: 12,
      draggable: false,
      layoutIterations: 0, // keep the API's order (busiest first) in each column
      emphasis: { focus: "adjacency" },
      label: {
        color: p.text, width: labelWidth, overflow: "truncate", ellipsis: "…",
        formatter: (node) => node.data.display,
      },
      lineStyle: { color: "gradient", opacity: 0.3, curveness: 0.5 },
      itemStyle: { borderWidth: 0 },
      data: nodes.map((n) => ({
        name: n.id, display: n.name, value: n.sessions, depth: n.step, step: n.step,
        itemStyle: { color: colourOf(n.name, p) },
      })),
      links: links.map((l) => ({
        source: l.source, target: l.target, value: l.sessions,
        fromName: l.source.slice(l.source.indexOf(":") + 1), toName: l.target.slice(l.target.indexOf(":") + 1),
      })),
    }],
  };
}

function clicked(event) {
  if (event.dataType !== "node") return;
  const { display, step } = event.data;
  if (display.startsWith("(") || !canFilter(display)) return; // (other), (exit), (continues)
  addFilter(step === 0 ? "source" : "page", display);
}

export function installFlows() {
  sankey = chart(document.getElementById("flow-chart"), draw);
  sankey.instance?.on("click", clicked);
  document.getElementById("flow-depth").addEventListener("change", (e) => {
    update({ flow_depth: e.target.value });
  });
  document.getElementById("flow-from").addEventListener("change", (e) => {
    update({ flow_from: e.target.value });
  });
}

async function fillStartChoices(view, select) {
  const pages = await load("flow-pages", reportUrl(view, "breakdown/page", { limit: START_CHOICES, totals: "none" }));
  if (!pages) return;
  const values = pages.results.map((r) => r.value).filter((v) => v && v.startsWith("/"));
  if (view.flow_from && !values.includes(view.flow_from)) values.unshift(view.flow_from);
  select.replaceChildren(select.options[0], ...values.map((value) => {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = shorten(value);
    option.title = value;
    return option;
  }));
  select.value = view.flow_from;
}

export async function loadFlows(view) {
  const panel = document.getElementById("flows");
  const select = document.getElementById("flow-from");
  const note = document.getElementById("flow-note");
  document.getElementById("flow-depth").value = view.flow_depth;
  // `start` (not the original `from`, which a custom range needs for its first day).
  select.disabled = false;
  note.hidden = true;
  markLoading(panel);
  const start = view.flow_from;
  const [flows] = await Promise.all([
    load("flows", reportUrl(view, "flows", { depth: view.flow_depth, start })),
    fillStartChoices(view, select),
  ]);
  if (!flows) return;
  answer = flows;
  const element = document.getElementById("flow-chart");
  element.dataset.nodes = String(flows.nodes.length);
  element.dataset.links = String(flows.links.length);
  const empty = flows.nodes.length === 0;
  element.classList.toggle("is-empty", empty);
  const why = document.getElementById("flow-empty");
  why.hidden = !empty;
  why.textContent = start ? `No visit in this period viewed ${start}.`
    : view.filter ? "No visits match these filters in this period." : "No visits in this period.";
  // Tall enough for the busiest column's nodes to keep their labels apart.
  const perColumn = new Map();
  for (const n of flows.nodes) perColumn.set(n.step, (perColumn.get(n.step) || 0) + 1);
  element.style.height = empty ? "" : `${Math.max(360, TOP + 40 * Math.max(...perColumn.values()))}px`;
  sankey.instance?.resize();
  sankey.redraw();
  markReady(panel);
}
