/* Annotations on the trend chart (issue 20): the period's notes (GET .../annotations) placed on
   its buckets — a note inside one bucket as a thin line with a flag, one spanning several as a
   shaded band — their text in the chart's tooltip, and a list under the chart. Owners and admins
   add one from a bucket's click (or "+ Note") and remove one from the list; share links and
   viewers only read them (the API answers 403 to them anyway). Firing alerts add their own. */

import { load, send } from "./api.js";
import { dayLabel, localDay, periodDays } from "./format.js";
import { mayManage, viewer } from "./sites.js";

let notes = [];
let spans = []; // per note: [first bucket index, last bucket index]

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function notesUrl(site, rest = "") {
  return `/api/v1/sites/${encodeURIComponent(site)}/annotations${rest}`;
}

/** Each bucket's [start, end) in epoch ms: a bucket's label carries its UTC offset. */
function bucketBounds(series) {
  const starts = series.points.map((pt) => Date.parse(pt.bucket));
  const ends = [...starts.slice(1), series.period.end_ms];
  return { starts, ends };
}

function bucketOf(ms, starts) {
  let index = 0;
  while (index + 1 < starts.length && starts[index + 1] <= ms) index += 1;
  return index;
}

/** The buckets a note covers: an instant's end is its start; other ends are exclusive. */
function placed(note, starts) {
  const last = note.end_ms > note.start_ms ? note.end_ms - 1 : note.start_ms;
  return [bucketOf(note.start_ms, starts), bucketOf(last, starts)];
}

/** The period's notes, once the time series has answered (its buckets place them). */
export async function loadNotes(view, series) {
  const { period } = series;
  const days = periodDays(period);
  const params = new URLSearchParams({ from: days.first_day, to: days.last_day });
  let answer = null;
  try {
    answer = await load("annotations", notesUrl(view.site, `?${params}`));
  } catch (error) {
    answer = { annotations: [] }; // the chart stands without its notes
  }
  if (!answer) return false; // superseded
  notes = answer.annotations;
  const { starts } = bucketBounds(series);
  spans = notes.map((note) => placed(note, starts));
  showList(view, series);
  return true;
}

export function forgetNotes() {
  notes = [];
  spans = [];
}

/** The main series' markLine (one-bucket notes) and markArea (longer ones), in the note colour. */
export function noteMarks(p) {
  const lines = [];
  const areas = [];
  notes.forEach((note, i) => {
    const [first, last] = spans[i];
    if (first === last) lines.push({ xAxis: first, name: note.text });
    else areas.push([{ xAxis: first, name: note.text }, { xAxis: last }]);
  });
  return {
    markLine: {
      silent: true,
      animation: false,
      symbol: ["none", "path://M0,0 L0,10 L9,5 Z"],
      symbolSize: [9, 10],
      symbolRotate: 0,
      label: { show: false },
      lineStyle: { color: p.accent3, width: 1.5, type: "solid" },
      itemStyle: { color: p.accent3 },
      data: lines,
    },
    markArea: {
      silent: true,
      animation: false,
      label: { show: false },
      itemStyle: { color: p.accent3, opacity: 0.14 },
      data: areas,
    },
  };
}

/** The notes touching bucket `index`, for its tooltip. */
export function notesAt(index) {
  return notes.filter((note, i) => spans[i][0] <= index && index <= spans[i][1]).map((n) => n.text);
}

function clock(ms, timezone) {
  return new Intl.DateTimeFormat("en-GB", {
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: timezone,
  }).format(new Date(ms));
}

/** "27 Nov 2026", "27 Nov 2026 – 29 Nov 2026", "27 Nov 2026, 14:30": in the site's zone. */
function whenText(note, timezone) {
  const day = (ms) => dayLabel(localDay(ms, timezone));
  const at = (ms) => `${day(ms)}, ${clock(ms, timezone)}`;
  if (note.end_ms === note.start_ms) return at(note.start_ms);
  const midnight = (ms) => clock(ms, timezone) === "00:00";
  if (midnight(note.start_ms) && midnight(note.end_ms)) {
    const first = day(note.start_ms);
    const last = day(note.end_ms - 1);
    return first === last ? first : `${first} – ${last}`;
  }
  return `${at(note.start_ms)} – ${at(note.end_ms)}`;
}

function showList(view, series) {
  const list = document.getElementById("trend-notes");
  const allowed = mayManage(view.site);
  list.replaceChildren(...notes.map((note) => {
    const item = element("li", "trend-note");
    item.dataset.id = String(note.id);
    item.append(element("span", "note-flag"), element("span", "note-when", whenText(note, series.period.timezone)),
      element("span", "note-text", note.text));
    if (note.alert_id !== null) item.append(element("span", "badge", "alert"));
    if (allowed) {
      const remove = element("button", "link-button note-remove", "Remove");
      remove.type = "button";
      remove.setAttribute("aria-label", `Remove note: ${note.text}`);
      remove.addEventListener("click", () => removeNote(view, note.id));
      item.append(remove);
    }
    return item;
  }));
  list.hidden = notes.length === 0;
}

let redrawTrend = () => {};

async function removeNote(view, id) {
  await send("DELETE", notesUrl(view.site, `/${id}`), null, viewer.csrf);
  redrawTrend();
}

/* The add form: the site's local date (and time, optional) from the bucket, an optional end. */

/** The UTC offset (ms) of the local wall time `day` `time` in `timezone`. */
export function offsetMs(day, time, timezone) {
  const wall = Date.parse(`${day}T${time}:00Z`);
  const zoneOffset = (ms) => {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: timezone, timeZoneName: "longOffset" })
      .formatToParts(new Date(ms)).find((part) => part.type === "timeZoneName").value;
    const match = parts.match(/GMT([+-])(\d\d):?(\d\d)?/);
    if (!match) return 0;
    return (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] || 0)) * 60000;
  };
  // Twice: the offset at the guessed instant is right unless a change lies between.
  const guess = zoneOffset(wall);
  return zoneOffset(wall - guess);
}

function instant(day, time, timezone) {
  return Date.parse(`${day}T${time}:00Z`) - offsetMs(day, time, timezone);
}

function nextDay(day) {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
}

/** The POST body for what the form holds (app/annotations.py `parse`). */
export function noteBody(fields, timezone) {
  const { text, date, time, endDate, endTime } = fields;
  if (!time && !endTime) {
    if (!endDate || endDate === date) return { text, date };
    return { text, date_from: date, date_to: endDate };
  }
  const body = { text, start: instant(date, time || "00:00", timezone) };
  if (endDate || endTime) {
    const last = endDate || date;
    body.end = endTime ? instant(last, endTime, timezone) : instant(nextDay(last), "00:00", timezone);
  }
  return body;
}

const $ = (id) => document.getElementById(id);
let context = null; // {view, series} the chart shows

/** Open the form on bucket `index` (the last one without). */
export function openNoteForm(index) {
  if (!context || !mayManage(context.view.site)) return;
  const { series } = context;
  const point = series.points[Math.max(0, Math.min(index ?? series.points.length - 1, series.points.length - 1))];
  const hourly = series.period.interval === "hour";
  $("note-date").value = point ? point.bucket.slice(0, 10) : "";
  $("note-time").value = point && hourly ? point.bucket.slice(11, 16) : "";
  $("note-end-date").value = "";
  $("note-end-time").value = "";
  $("note-error").textContent = "";
  $("note-form").hidden = false;
  $("note-open").setAttribute("aria-expanded", "true");
  $("note-text").focus();
}

function closeNoteForm() {
  $("note-form").hidden = true;
  $("note-open").setAttribute("aria-expanded", "false");
}

async function submitNote(event) {
  event.preventDefault();
  const { view, series } = context;
  const fields = {
    text: $("note-text").value.trim(), date: $("note-date").value, time: $("note-time").value,
    endDate: $("note-end-date").value, endTime: $("note-end-time").value,
  };
  try {
    await send("POST", notesUrl(view.site), noteBody(fields, series.period.timezone), viewer.csrf);
  } catch (error) {
    $("note-error").textContent = `Not added: ${error.message}.`;
    return;
  }
  $("note-text").value = "";
  closeNoteForm();
  redrawTrend();
}

/** `redraw()` reloads the notes and draws the chart again (after an add or a removal). */
export function installNotes(redraw) {
  redrawTrend = redraw;
  $("note-open").addEventListener("click", () => {
    if ($("note-form").hidden) openNoteForm();
    else closeNoteForm();
  });
  $("note-cancel").addEventListener("click", closeNoteForm);
  $("note-form").addEventListener("submit", submitNote);
  $("note-form").addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeNoteForm();
  });
}

/** What the chart shows now; the "+ Note" control only for those who may add. */
export function noteContext(view, series) {
  context = { view, series };
  const allowed = mayManage(view.site);
  $("note-open").hidden = !allowed;
  if (!allowed) closeNoteForm();
  $("trend-chart").dataset.annotatable = allowed ? "yes" : "no";
}

export function mayAddNotes() {
  return Boolean(context) && mayManage(context.view.site);
}
