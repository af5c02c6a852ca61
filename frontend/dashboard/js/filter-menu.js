/* "+ Filter": pick a dimension, an operator and a value; the value autocompletes from the
   period's values (suggestions/{dimension}?q=, busiest first, counted under the other
   filters), alongside click-to-filter on any row. */

import { load, reportUrl } from "./api.js";
import { FILTER_DIMENSIONS, OPS, dimensionLabel, parseFilters, serialise } from "./filters.js";
import { countryName, exact, shorten } from "./format.js";
import { update, view } from "./state.js";

const $ = (id) => document.getElementById(id);
const TYPING_PAUSE_MS = 200;
let timer = null;

function option(value, text) {
  const node = document.createElement("option");
  node.value = value;
  node.textContent = text;
  return node;
}

async function suggest() {
  const dim = $("filter-dim").value;
  const typed = $("filter-value").value.trim();
  const answer = await load("suggest", reportUrl(view(), `suggestions/${dim}`, { q: typed, limit: 12 }))
    .catch(() => null); // suggestions help; without them the value is typed whole
  if (!answer || answer.dimension !== $("filter-dim").value) return;
  const label = (v) => (dim === "country" ? `${countryName(v)} (${v})` : shorten(v, 80));
  $("filter-suggestions").replaceChildren(...answer.values.map((v) => {
    const item = option(v.value, `${label(v.value)} · ${exact(v.visitors)} visitors`);
    item.label = `${label(v.value)} · ${exact(v.visitors)} visitors`;
    return item;
  }));
  $("filter-menu").dataset.suggested = String(answer.values.length);
}

function suggestSoon() {
  clearTimeout(timer);
  timer = setTimeout(suggest, TYPING_PAUSE_MS);
}

function open() {
  $("filter-menu").hidden = false;
  $("filter-open").setAttribute("aria-expanded", "true");
  $("filter-value").value = "";
  suggest();
  $("filter-dim").focus();
}

function close() {
  $("filter-menu").hidden = true;
  $("filter-open").setAttribute("aria-expanded", "false");
}

function apply(event) {
  event.preventDefault();
  const dim = $("filter-dim").value;
  const op = $("filter-op").value;
  const value = $("filter-value").value.trim();
  if (!value && op !== "==" && op !== "!=") return; // "contains nothing" filters nothing
  const kept = parseFilters(view().filter).filter((f) => f.dim !== dim || f.op !== op);
  close();
  update({ filter: serialise([...kept, { dim, op, value }]) });
}

export function installFilterMenu() {
  $("filter-dim").replaceChildren(...FILTER_DIMENSIONS.map((d) => option(d, dimensionLabel(d))));
  $("filter-op").replaceChildren(...Object.entries(OPS).map(([op, words]) => option(op, words)));
  $("filter-open").addEventListener("click", () => ($("filter-menu").hidden ? open() : close()));
  $("filter-cancel").addEventListener("click", close);
  $("filter-dim").addEventListener("change", () => {
    $("filter-value").value = "";
    suggest();
  });
  $("filter-value").addEventListener("input", suggestSoon);
  $("filter-menu").addEventListener("submit", apply);
  $("filter-menu").addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
}
