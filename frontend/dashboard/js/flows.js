/* User flow: flows?depth=&start= as a Sankey (step 0 the source, then the first pages, then
   where visits ended). Node ids ("2:/pricing") are the API's; only their names are shown.
   Clicking a source or page node filters the dashboard by it. */

import { load, reportUrl } from "./api.js";
import { chart, tooltipStyle } from "./charts.js";
import { addFilter, canFilter } from "./filters.js";
import { exact } from "./format.js";
import { update } from "./state.js";

const START_CHOICES = 25;
let answer = null;
let sankey = null;

function draw(p) {
  const nodes = answer ? answer.nodes : [];
  const links = answer ? answer.links : [];
  // One colour per name, so /pricing is the same colour at every step.
  const names = [...new Set(nodes.map((n) => n.name))];
  return {
    animationDuration: 300,
    tooltip: { trigger: "item", ...tooltipStyle(p), valueFormatter: (v) => `${exact(v)} visits` },
    series: [{
      type: "sankey",
      left: 8, right: 120, top: 8, bottom: 8,
      nodeAlign: "left",
      nodeGap: 10,
      draggable: false,
      emphasis: { focus: "adjacency" },
      label: { color: p.text, formatter: (node) => node.data.display },
      lineStyle: { color: "gradient", opacity: 0.3, curveness: 0.5 },
      itemStyle: { borderWidth: 0 },
      data: nodes.map((n) => ({
        name: n.id, display: n.name, value: n.sessions, depth: n.step, step: n.step,
        itemStyle: { color: p.series[names.indexOf(n.name) % p.series.length] },
      })),
      links: links.map((l) => ({ source: l.source, target: l.target, value: l.sessions })),
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
    option.value = option.textContent = value;
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
  panel.dataset.state = "loading";
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
  element.classList.toggle("is-empty", flows.nodes.length === 0);
  sankey.redraw();
  panel.dataset.state = "ready";
}
