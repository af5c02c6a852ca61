/* Goals: per goal of the site, the visitors who completed it, the conversion rate and the
   revenue (goals/report, with the view's other filters). A row's click filters the dashboard by
   the goal (goal==Name): every breakdown then gains its conversion-rate column. The report is
   asked without the view's goal filter, so every goal stays listed and the chosen one is marked. */

import { load, reportUrl } from "./api.js";
import { addFilter, parseFilters, serialise } from "./filters.js";
import { count, percent } from "./format.js";
import { markLoading, markReady } from "./page-state.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** "€1,234.50 · $10" — each currency's exact total, in the currency's own format. */
export function revenueText(revenue) {
  if (!revenue || revenue.length === 0) return "–";
  return revenue.map(({ currency, total }) => {
    try {
      return new Intl.NumberFormat("en", { style: "currency", currency }).format(Number(total));
    } catch (error) {
      return `${total} ${currency}`; // a code Intl does not know
    }
  }).join(" · ");
}

function headings() {
  const head = element("thead");
  const row = element("tr");
  row.append(element("th", "label-col", "Goal"));
  for (const text of ["Visitors", "CR", "Revenue"]) row.append(element("th", "num", text));
  head.append(row);
  return head;
}

function goalRow(goal, max, chosen) {
  const row = element("tr");
  row.dataset.value = goal.goal;
  if (goal.goal === chosen) row.classList.add("chosen");
  const cell = element("td", "label-col");
  const bar = element("span", "bar");
  bar.style.width = `${(100 * goal.visitors) / max}%`;
  const button = element("button", "row-button", goal.goal);
  button.type = "button";
  button.title = `Filter by goal: ${goal.goal}`;
  button.addEventListener("click", () => addFilter("goal", goal.goal));
  cell.append(bar, button);
  row.append(cell);
  const numbers = [
    ["visitors", count(goal.visitors), goal.visitors],
    ["conversion_rate", percent(goal.conversion_rate), goal.conversion_rate],
    ["revenue", revenueText(goal.revenue), (goal.revenue || []).map((r) => `${r.total} ${r.currency}`).join(";")],
  ];
  for (const [name, text, raw] of numbers) {
    const number = element("td", "num", text);
    number.dataset.metric = name;
    number.dataset.value = String(raw);
    row.append(number);
  }
  return row;
}

export async function loadGoals(view) {
  const root = document.getElementById("goals");
  const filters = parseFilters(view.filter);
  const chosen = filters.find((f) => f.dim === "goal" && f.op === "==");
  const others = serialise(filters.filter((f) => f.dim !== "goal"));
  markLoading(root);
  const answer = await load("goals", reportUrl({ ...view, filter: others }, "goals/report"));
  if (!answer) return;
  const table = root.querySelector("table");
  const empty = root.querySelector(".empty");
  const goals = answer.results;
  const max = Math.max(1, ...goals.map((g) => g.visitors));
  const body = element("tbody");
  body.append(...goals.map((g) => goalRow(g, max, chosen && chosen.value)));
  table.replaceChildren(headings(), body);
  table.hidden = goals.length === 0;
  empty.hidden = goals.length > 0;
  markReady(root);
}

export function installGoals() {
  const root = document.getElementById("goals");
  const head = element("header", "card-head");
  const heading = element("h2", "", "Goals");
  heading.id = "goals-heading";
  root.setAttribute("aria-labelledby", heading.id);
  head.append(heading);
  const table = element("table", "breakdown");
  table.hidden = true;
  const empty = element("p", "empty muted",
    "No goals yet: add one with the goals API or `pulse goal add`.");
  empty.hidden = true;
  root.replaceChildren(head, table, empty);
}
