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
  if (name === "bounce_rate" || name === "share" || name === "conversion") return percent(value);
  if (name === "avg_engagement_ms") return duration(value);
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

/** A bucket label ("2026-11-27T05:00:00+00:00") as the axis shows it, in the site's zone
    (the label already is local wall-clock time: only its text is cut). */
export function bucketLabel(bucket, interval) {
  const [day, time] = bucket.split("T");
  const [, month, date] = day.split("-");
  return interval === "hour" ? `${date}/${month} ${time.slice(0, 5)}` : `${date}/${month}`;
}
