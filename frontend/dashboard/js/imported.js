/* Imported history (issue 18): when the summary counted imported days (`"imported": true`), a
   note under the KPI cards says so — naming the imports (source, days, first and last day) for
   those who may list them (GET .../imports: owners and admins) — and a toggle "Leave out
   imported data" puts `imported=false` in the view (the URL), which every report request then
   carries (api.js `periodParams`). */

import { load } from "./api.js";
import { dayLabel } from "./format.js";
import { mayManage } from "./sites.js";
import { update } from "./state.js";

const SOURCES = { plausible: "Plausible", umami: "Umami" };
const $ = (id) => document.getElementById(id);

export function installImported() {
  $("imported-toggle").addEventListener("change", (event) => {
    update({ imported: event.target.checked ? "false" : "" });
  });
}

function importText(item) {
  const source = SOURCES[item.source] || item.source;
  const days = `${item.days} day${item.days === 1 ? "" : "s"}`;
  const span = item.first_day && item.last_day
    ? `, ${dayLabel(item.first_day)} – ${dayLabel(item.last_day)}` : "";
  return `${source} (${days}${span})`;
}

/** "Includes data imported from Plausible (30 days, 1 Oct 2026 – 30 Oct 2026) for ..." */
async function noteText(view, summary) {
  const generic = "Includes imported data for the days no visit of Pulse's own covers.";
  if (!mayManage(view.site)) return generic;
  let answer = null;
  try {
    answer = await load("imports", `/api/v1/sites/${encodeURIComponent(view.site)}/imports`);
  } catch (error) {
    return generic;
  }
  if (!answer) return null; // superseded
  const { first_day: first, last_day: last } = summary.period_days;
  const overlapping = answer.imports.filter((item) => item.first_day && item.last_day
    && item.first_day <= last && item.last_day >= first);
  if (!overlapping.length) return generic;
  return `Includes data imported from ${overlapping.map(importText).join(" and ")} for the days`
    + " no visit of Pulse's own covers. Visitors over several imported days are each day's added up.";
}

/** After the summary: the note when it counted imported days; the toggle while it did, or while
    the view leaves them out (so they can be put back). */
export async function showImported(view, summary, periodDays) {
  const row = $("imported");
  const leftOut = view.imported === "false";
  $("imported-toggle").checked = leftOut;
  row.hidden = !(summary.imported || leftOut);
  row.dataset.imported = summary.imported ? "yes" : "no";
  const note = $("imported-note");
  if (leftOut) {
    note.textContent = "Imported data is left out: these figures are Pulse's own.";
    return;
  }
  if (!summary.imported) return;
  note.textContent = "Includes imported data.";
  const text = await noteText(view, { ...summary, period_days: periodDays });
  if (text) note.textContent = text;
}
