/* The view: everything a link must reproduce lives in the URL's query string, and nowhere else.
   Changing the view rewrites the URL (one history entry per change, so Back undoes it). */

const DEFAULTS = Object.freeze({
  site: "",
  range: "7d",
  from: "",
  to: "",
  interval: "",
  compare: "previous",
  compare_from: "",
  compare_to: "",
  filter: "",
  metric: "visitors",
  funnel: "",
  flow_depth: "4",
  flow_from: "",
  cohort: "",
  imported: "", // "false": leave imported history out of every report
});
const RANGES = ["today", "yesterday", "24h", "7d", "28d", "30d", "month", "last_month", "12mo",
  "all", "custom"];
const INTERVALS = ["", "hour", "day", "week", "month"];
const COMPARES = ["previous", "year", "custom", "none"];

let current = read(location.search);
const listeners = new Set();

function read(search) {
  const params = new URLSearchParams(search);
  const view = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    const value = params.get(key);
    if (value !== null) view[key] = value;
  }
  // A hand-edited link with an unknown value falls back to the default, never to an error.
  if (!RANGES.includes(view.range)) view.range = DEFAULTS.range;
  if (!INTERVALS.includes(view.interval)) view.interval = DEFAULTS.interval;
  if (!COMPARES.includes(view.compare)) view.compare = DEFAULTS.compare;
  if (view.imported !== "false") view.imported = DEFAULTS.imported;
  return Object.freeze(view);
}

function toSearch(view) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(view)) {
    if (value !== DEFAULTS[key] && value !== "") params.set(key, value);
  }
  if (view.range !== "custom") {
    params.delete("from");
    params.delete("to");
  }
  if (view.compare !== "custom") {
    params.delete("compare_from");
    params.delete("compare_to");
  }
  const text = params.toString();
  return text ? `?${text}` : location.pathname;
}

export function view() {
  return current;
}

/** Apply a change: rewrite the URL, then tell every listener synchronously. */
export function update(change, { replace = false } = {}) {
  const next = Object.freeze({ ...current, ...change });
  if (JSON.stringify(next) === JSON.stringify(current)) return;
  current = next;
  const url = toSearch(current);
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  notify();
}

export function onChange(listener) {
  listeners.add(listener);
}

function notify() {
  for (const listener of listeners) listener(current);
}

window.addEventListener("popstate", () => {
  current = read(location.search);
  notify();
});
