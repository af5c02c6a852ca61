/* The header's controls (period, custom dates, interval, comparison) and keyboard shortcuts,
   kept in step with the view. */

import { update, view } from "./state.js";

const $ = (id) => document.getElementById(id);
// Ranges too long for hourly buckets (the API caps them at 744): the picker offers no "Hourly".
const LONG = new Set(["month", "last_month", "12mo", "all"]);
const SHORTCUTS = { t: "today", d: "24h", w: "7d", m: "30d", y: "12mo", a: "all" };

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
      const interval = view().interval === "hour" && LONG.has(range) ? "" : view().interval;
      update({ range, from: "", to: "", interval });
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
    if (e.target.value !== "custom") {
      update({ compare: e.target.value, compare_from: "", compare_to: "" });
      return;
    }
    $("compare-range").hidden = false; // asked once both days are there
    $("compare-from").focus();
  });
  const applyCompare = () => {
    const from = $("compare-from").value;
    const to = $("compare-to").value;
    if (from && to && from <= to) update({ compare: "custom", compare_from: from, compare_to: to });
  };
  $("compare-from").addEventListener("change", applyCompare);
  $("compare-to").addEventListener("change", applyCompare);
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, select, textarea");
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const range = SHORTCUTS[event.key];
    if (!range) return;
    const interval = view().interval === "hour" && LONG.has(range) ? "" : view().interval;
    update({ range, from: "", to: "", interval });
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
  $("interval").querySelector("option[value=hour]").disabled = LONG.has(current.range);
  $("compare").value = current.compare;
  $("compare-range").hidden = current.compare !== "custom";
  if (current.compare === "custom") {
    $("compare-from").value = current.compare_from;
    $("compare-to").value = current.compare_to;
  }
  document.title = `Pulse · ${current.site || "dashboard"}`;
}
