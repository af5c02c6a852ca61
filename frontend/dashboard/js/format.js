/* Display only: every number arrives computed from the API; these functions only write it. */

const integer = new Intl.NumberFormat("en");
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const regions = typeof Intl.DisplayNames === "function"
  ? new Intl.DisplayNames(["en"], { type: "region" }) : null;

export function count(n) {
  return n >= 100_000 ? compact.format(n) : integer.format(n);
}

export function exact(n) {
  return integer.format(n);
}

export function percent(n) {
  return `${n}%`;
}

export function duration(ms) {
  const total = Math.round(ms / 1000);
  if (total < 60) return `${total}s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h ? `${h}h ${m}m` : `${m}m ${s}s`;
}

/** A metric's value as it is read on a card or in a table. */
export function metric(name, value) {
  if (value === null || value === undefined) return "–";
  if (["bounce_rate", "share", "conversion", "conversion_rate", "scroll_depth"].includes(name)) {
    return percent(value);
  }
  if (name === "avg_engagement_ms" || name === "time_on_page") return duration(value);
  if (name === "views_per_session") return String(value);
  return count(value);
}

export function countryName(code) {
  if (!code) return null;
  try {
    return (regions && regions.of(code)) || code;
  } catch {
    return code;
  }
}

/* Dates in the browser's locale, with month names. A bucket label
   ("2026-11-27T05:00:00+01:00") already is the site's wall-clock time: it is read as that
   wall-clock time (formatted in UTC, so the browser's own zone never shifts it). */
const FORMATS = {
  hour: { hour: "2-digit", minute: "2-digit" },
  day: { day: "numeric", month: "short" },
  week: { day: "numeric", month: "short" },
  month: { month: "short", year: "numeric" },
  dayLong: { weekday: "short", day: "numeric", month: "short", year: "numeric" },
  hourLong: { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" },
};
const formatters = new Map();

function formatter(kind) {
  if (!formatters.has(kind)) {
    formatters.set(kind, new Intl.DateTimeFormat(undefined, { ...FORMATS[kind], timeZone: "UTC" }));
  }
  return formatters.get(kind);
}

function wallClock(bucket) {
  const [y, mo, d, h, mi] = bucket.match(/\d+/g).map(Number);
  return new Date(Date.UTC(y, mo - 1, d, h || 0, mi || 0));
}

/** Short, for an axis: "13:00" (with the day at midnight), "27 Nov", "Nov 2026". */
export function bucketLabel(bucket, interval) {
  const date = wallClock(bucket);
  if (interval === "hour") {
    const time = formatter("hour").format(date);
    return date.getUTCHours() === 0 ? `${formatter("day").format(date)}\n${time}` : time;
  }
  return formatter(interval in FORMATS ? interval : "day").format(date);
}

/** Long, for a tooltip: "Fri, 27 Nov 2026", "Fri, 27 Nov, 13:00", "Week of 23 Nov 2026". */
export function bucketTitle(bucket, interval) {
  const date = wallClock(bucket);
  if (interval === "hour") return formatter("hourLong").format(date);
  if (interval === "month") return formatter("month").format(date);
  const day = formatter("dayLong").format(date);
  return interval === "week" ? `Week of ${day}` : day;
}

/** "2026-11-27": the local day of `ms` in `timezone`. */
export function localDay(ms, timezone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone }).format(new Date(ms));
}

/** A report period's first and last local day (its end is exclusive). */
export function periodDays(period) {
  return {
    first_day: localDay(period.start_ms, period.timezone),
    last_day: localDay(period.end_ms - 1, period.timezone),
  };
}

/** A local day ("2026-11-27") in words: "27 Nov 2026". */
export function dayLabel(isoDay) {
  return new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" })
    .format(wallClock(isoDay));
}

/** A visitor-sent value cut to `max` characters (whole code points, so an emoji is never
    halved), with an ellipsis; the full value goes in a title. */
export function shorten(text, max = 60) {
  const chars = [...String(text)];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : String(text);
}
