/* The headline cards: summary?compare=previous, each value with its change against the
   previous period (the API's `change`, a percentage, or null when there was nothing before).
   A card is a button: it picks the metric the trend chart draws. */

import { load, reportUrl } from "./api.js";
import { metric } from "./format.js";
import { update } from "./state.js";

export const KPIS = [
  ["visitors", "Unique visitors"],
  ["sessions", "Visits"],
  ["pageviews", "Page views"],
  ["views_per_session", "Views per visit"],
  ["bounce_rate", "Bounce rate"],
  ["avg_engagement_ms", "Engagement time"],
];
const LOWER_IS_BETTER = new Set(["bounce_rate"]);

function card(name, label) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "kpi";
  button.id = `kpi-${name}`;
  button.dataset.metric = name;
  const title = document.createElement("span");
  title.className = "kpi-label";
  title.textContent = label;
  const value = document.createElement("span");
  value.className = "kpi-value";
  value.textContent = "–";
  const change = document.createElement("span");
  change.className = "kpi-change";
  button.append(title, value, change);
  button.addEventListener("click", () => update({ metric: name }));
  return button;
}

export function installKpis() {
  document.getElementById("kpis").replaceChildren(...KPIS.map(([n, l]) => card(n, l)));
}

function showChange(element, name, entry, comparing) {
  element.hidden = !comparing;
  element.className = "kpi-change";
  if (!comparing) return;
  if (entry.change === null || entry.change === undefined) {
    element.textContent = "no earlier data";
    return;
  }
  const up = entry.change > 0;
  const good = entry.change === 0 ? "flat" : up !== LOWER_IS_BETTER.has(name) ? "good" : "bad";
  element.classList.add(good);
  element.dataset.change = String(entry.change);
  element.textContent = `${up ? "↑" : entry.change < 0 ? "↓" : "→"} ${Math.abs(entry.change)}%`;
  element.title = `${metric(name, entry.previous)} in the previous period`;
}

export async function loadKpis(view) {
  const comparing = view.compare === "previous";
  const url = reportUrl(view, "summary", { compare: comparing ? "previous" : "none" });
  const summary = await load("summary", url);
  if (!summary) return;
  for (const [name] of KPIS) {
    const entry = summary.metrics[name];
    const button = document.getElementById(`kpi-${name}`);
    const value = button.querySelector(".kpi-value");
    value.textContent = metric(name, entry.value);
    value.dataset.value = String(entry.value);
    showChange(button.querySelector(".kpi-change"), name, entry, comparing);
  }
  const period = summary.period;
  document.getElementById("period-label").textContent =
    `${period.interval === "hour" ? "Hourly" : "Daily"} · ${period.timezone}`;
}

export function markSelected(view) {
  for (const button of document.querySelectorAll(".kpi")) {
    button.setAttribute("aria-pressed", String(button.dataset.metric === view.metric));
  }
}
