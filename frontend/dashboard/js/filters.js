/* Filters as the API reads them (`source==Google;country==DE`), shown as removable chips.
   The URL's `filter` is passed to every report unchanged. */

import { countryName } from "./format.js";
import { update, view } from "./state.js";

const FILTER = /^(prop:[^=!~;]{1,64}|[a-z_]+)(==|!=|=~|!~)(.*)$/s;
export const OPS = { "==": "is", "!=": "is not", "=~": "contains", "!~": "does not contain" };
const LABELS = {
  source: "Source", channel: "Channel", referrer: "Referrer",
  utm_source: "UTM source", utm_medium: "UTM medium", utm_campaign: "UTM campaign",
  utm_term: "UTM term", utm_content: "UTM content",
  page: "Page", page_url: "Page URL", entry_page: "Entry page", exit_page: "Exit page",
  country: "Country", browser: "Browser", os: "OS", device: "Device",
  screen: "Screen size", browser_version: "Browser version", os_version: "OS version",
  language: "Language", hostname: "Hostname", region: "Region", city: "City",
  event: "Event", visitor_type: "Visitor type",
};

/** What the "+ Filter" menu offers (property filters come from the Properties tab's rows). */
export const FILTER_DIMENSIONS = Object.keys(LABELS);

export function dimensionLabel(dim) {
  if (dim.startsWith("prop:")) return `Property ${dim.slice(5)}`;
  if (dim === "goal") return "Goal"; // a filter, not a dimension: no breakdown by it
  return LABELS[dim] || dim;
}

/** Split at each ";" no backslash escapes; "\;" is a semicolon, "\\" a backslash (as the API). */
function splitFilters(text) {
  const parts = [];
  let current = "";
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === "\\") {
      i += 1;
      current += text[i] ?? "";
    } else if (text[i] === ";") {
      parts.push(current);
      current = "";
    } else {
      current += text[i];
    }
  }
  parts.push(current);
  return parts;
}

export function parseFilters(text) {
  return splitFilters(text || "").map((part) => part.trim()).filter(Boolean).flatMap((part) => {
    const match = FILTER.exec(part);
    return match ? [{ dim: match[1], op: match[2], value: match[3] }] : [];
  });
}

function escapeValue(value) {
  return value.replaceAll("\\", "\\\\").replaceAll(";", "\\;");
}

export function serialise(filters) {
  return filters.map((f) => `${f.dim}${f.op}${escapeValue(f.value)}`).join(";");
}

/** Rows without a value (no referrer, no campaign) filter as "dim==", which the API reads as
    "no value"; event rows need a name. */
export function canFilter(value, dim = "") {
  const none = value === null || value === undefined || value === "";
  return !none || !["page", "event"].includes(dim) && !dim.startsWith("prop:");
}

/** Clicking a row: this dimension equals this value (replacing any filter on the dimension). */
export function addFilter(dim, value) {
  const others = parseFilters(view().filter).filter((f) => f.dim !== dim);
  update({ filter: serialise([...others, { dim, op: "==", value: value == null ? "" : String(value) }]) });
}

function removeFilter(index) {
  const filters = parseFilters(view().filter);
  filters.splice(index, 1);
  update({ filter: serialise(filters) });
}

function valueLabel(f) {
  if (f.value === "") return "(none)";
  return f.dim === "country" ? countryName(f.value) || f.value : f.value;
}

export function chipText(f) {
  return `${dimensionLabel(f.dim)} ${OPS[f.op]} ${valueLabel(f)}`;
}

export function renderChips(current) {
  const filters = parseFilters(current.filter);
  const list = document.getElementById("filter-chips");
  document.getElementById("clear-filters").hidden = filters.length === 0;
  document.getElementById("filters-label").hidden = filters.length === 0;
  list.replaceChildren(...filters.map((f, index) => {
    const item = document.createElement("li");
    item.className = "chip";
    item.dataset.dim = f.dim;
    const text = document.createElement("span");
    text.textContent = chipText(f);
    text.title = chipText(f); // the chip ends in an ellipsis when the value is long
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Remove filter: ${chipText(f)}`);
    remove.addEventListener("click", () => removeFilter(index));
    item.append(text, remove);
    return item;
  }));
}

export function installFilterBar() {
  document.getElementById("clear-filters").addEventListener("click", () => update({ filter: "" }));
}
