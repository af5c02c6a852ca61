/* The reports API: URLs built from the view, one live request per panel (a newer one aborts
   the older, so a slow answer for the previous range never overwrites the current one), and a
   count of requests in flight on <html data-pending> (what the browser tests wait for). */

const inFlight = new Map();
let pending = 0;

function setPending(delta) {
  pending += delta;
  document.documentElement.dataset.pending = String(pending);
}
setPending(0);

export class ApiError extends Error {
  constructor(status, message, field = null) {
    super(message);
    this.status = status;
    this.field = field; // the parameter a 400 names (range, filter, ...)
  }
}

/** The parameters every report shares: the period, the filters and whether imported history
    counts. */
export function periodParams(view) {
  const params = new URLSearchParams({ range: view.range });
  if (view.range === "custom") {
    params.set("from", view.from);
    params.set("to", view.to);
  }
  if (view.interval) params.set("interval", view.interval);
  if (view.filter) params.set("filter", view.filter);
  if (view.imported === "false") params.set("imported", "false");
  return params;
}

/** What summary and timeseries add: the comparison, with its days when it is custom. */
export function compareParams(view) {
  if (view.compare !== "custom") return { compare: view.compare };
  return { compare: "custom", compare_from: view.compare_from, compare_to: view.compare_to };
}

export function reportUrl(view, path, extra = {}) {
  const params = periodParams(view);
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  return `/api/v1/sites/${encodeURIComponent(view.site)}/${path}?${params}`;
}

async function fetchJson(url, signal) {
  const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    if (signal && signal.aborted) throw error;
  }
  if (!response.ok) {
    throw new ApiError(response.status, (body && body.error) || response.statusText, body && body.field);
  }
  if (body === null) throw new ApiError(response.status, "the answer could not be read");
  return body;
}

/** GET a report for `key` (a panel), aborting that panel's previous request.
    Resolves to null when it was superseded: an aborted request's body (cut short, so often
    parsed as `{}`) is never taken for an answer, and its error is never shown. */
export async function load(key, url) {
  inFlight.get(key)?.abort();
  const controller = new AbortController();
  inFlight.set(key, controller);
  setPending(1);
  try {
    const body = await fetchJson(url, controller.signal);
    return controller.signal.aborted ? null : body;
  } catch (error) {
    if (controller.signal.aborted) return null;
    throw error;
  } finally {
    if (inFlight.get(key) === controller) inFlight.delete(key);
    setPending(-1);
  }
}

export function getJson(url) {
  return fetchJson(url);
}

/** A change (POST / DELETE) with the session's CSRF token; resolves to the answer's body (null
    for a 204), throws ApiError naming the field the API refused. */
export async function send(method, url, body, csrf) {
  const headers = { Accept: "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  if (body !== null) headers["Content-Type"] = "application/json";
  setPending(1);
  try {
    const response = await fetch(url, {
      method, headers, body: body === null ? undefined : JSON.stringify(body),
    });
    const answer = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) {
      throw new ApiError(response.status, (answer && answer.error) || response.statusText, answer && answer.field);
    }
    return answer;
  } finally {
    setPending(-1);
  }
}
