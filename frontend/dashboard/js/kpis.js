/* The headline cards: summary?compare=previous, each value with its change against the
   previous period (the API's `change`, a percentage, or null when there was nothing before).
   A card is a button: it picks the metric the trend chart draws. */

import { compareParams, load, reportUrl } from "./api.js";
import { metric } from "./format.js";
import { markLoading, markReady } from "./page-state.js";
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
  const soFar = document.createElement("span");
  soFar.className = "kpi-sofar";
  soFar.textContent = "so far";
  soFar.hidden = true;
  button.append(title, value, soFar, change);
  button.addEventListener("click", () => update({ metric: name }));
  return button;
}

export function installKpis() {
  document.getElementById("kpis").replaceChildren(...KPIS.map(([n, l]) => card(n, l)));
}

const AGAINST = {
  previous: "the previous period", year: "the same period last year", custom: "the chosen dates",
};

function showChange(element, name, entry, comparing, against) {
  element.hidden = !comparing;
  element.className = "kpi-change";
  if (!comparing) return;
  // Always rewritten: a card must never keep the last view's comparison in its title.
  element.title = `${metric(name, entry.previous)} in ${against}`;
  delete element.dataset.change;
  if (entry.change === null || entry.change === undefined) {
    element.textContent = "no earlier data";
    return;
  }
  const up = entry.change > 0;
  const good = entry.change === 0 ? "flat" : up !== LOWER_IS_BETTER.has(name) ? "good" : "bad";
  element.classList.add(good);
  element.dataset.change = String(entry.change);
  element.textContent = `${up ? "↑" : entry.change < 0 ? "↓" : "→"} ${Math.abs(entry.change)}%`;
}

const INTERVAL_WORDS = { hour: "Hourly", day: "Daily", week: "Weekly", month: "Monthly" };

/** "Daily · Europe/Berlin · so far, compared with the same span of the previous period". */
function periodText(period, compare) {
  const parts = [INTERVAL_WORDS[period.interval] || period.interval, period.timezone];
  if (period.partial) {
    parts.push(compare === "none" ? "so far (the period is not over)"
      : compare === "custom" ? "so far, against the chosen dates (whole days)"
        : `so far, against the same span of ${AGAINST[compare]}`);
  }
  return parts.join(" · ");
}

export async function loadKpis(view) {
  const comparing = view.compare !== "none";
  const url = reportUrl(view, "summary", compareParams(view));
  const kpis = document.getElementById("kpis");
  markLoading(kpis);
  const summary = await load("summary", url);
  if (!summary) return null;
  markReady(kpis);
  kpis.dataset.partial = summary.period.partial ? "yes" : "no";
  for (const [name] of KPIS) {
    const entry = summary.metrics[name];
    const button = document.getElementById(`kpi-${name}`);
    const value = button.querySelector(".kpi-value");
    value.textContent = metric(name, entry.value);
    value.dataset.value = String(entry.value);
    showChange(button.querySelector(".kpi-change"), name, entry, comparing, AGAINST[view.compare]);
    button.querySelector(".kpi-sofar").hidden = !summary.period.partial;
  }
  document.getElementById("period-label").textContent = periodText(summary.period, view.compare);
  return summary;
}

export function markSelected(view) {
  for (const button of document.querySelectorAll(".kpi")) {
    button.setAttribute("aria-pressed", String(button.dataset.metric === view.metric));
  }
}
