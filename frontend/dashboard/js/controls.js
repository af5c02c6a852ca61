/* The header's controls (period, custom dates, interval, comparison) and keyboard shortcuts,
   kept in step with the view. */

import { update } from "./state.js";

const $ = (id) => document.getElementById(id);
const SHORTCUTS = { d: "24h", w: "7d", m: "30d" };

function isoDate(ms, timeZone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date(ms));
  } catch {
    return new Date(ms).toISOString().slice(0, 10);
  }
}

/** Custom dates start as the period on screen (its local first and last day). */
let shownPeriod = null;
export function rememberPeriod(period) {
  shownPeriod = period;
}

function applyCustom() {
  const from = $("date-from").value;
  const to = $("date-to").value;
  if (from && to && from <= to) update({ range: "custom", from, to });
}

export function installControls() {
  $("range").addEventListener("change", (event) => {
    const range = event.target.value;
    if (range !== "custom") {
      update({ range, from: "", to: "" });
      return;
    }
    $("custom-range").hidden = false;
    if (shownPeriod) {
      $("date-from").value = shownPeriod.from.slice(0, 10);
      $("date-to").value = isoDate(shownPeriod.end_ms - 1, shownPeriod.timezone);
    }
    applyCustom();
    $("date-from").focus();
  });
  $("date-from").addEventListener("change", applyCustom);
  $("date-to").addEventListener("change", applyCustom);
  $("interval").addEventListener("change", (e) => update({ interval: e.target.value }));
  $("compare").addEventListener("change", (e) => {
    update({ compare: e.target.checked ? "previous" : "none" });
  });
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, select, textarea");
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (SHORTCUTS[event.key]) update({ range: SHORTCUTS[event.key], from: "", to: "" });
  });
}

export function syncControls(current) {
  $("range").value = current.range;
  $("custom-range").hidden = current.range !== "custom";
  if (current.range === "custom") {
    $("date-from").value = current.from;
    $("date-to").value = current.to;
  }
  $("interval").value = current.interval;
  $("compare").checked = current.compare === "previous";
  document.title = `Pulse · ${current.site || "dashboard"}`;
}
