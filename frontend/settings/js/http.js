/* JSON calls for the settings pages: same-origin cookies, the session's CSRF token (the page's
   <meta name="csrf-token">) on every change, and an ApiError carrying the field a 400 names.
   A FormData body goes as multipart (file uploads), anything else as JSON. */

const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

export class ApiError extends Error {
  constructor(status, message, field = null) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

export async function api(method, url, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  const multipart = body instanceof FormData;
  if (body !== undefined && !multipart) headers["Content-Type"] = "application/json";
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) init.body = multipart ? body : JSON.stringify(body);
  const response = await fetch(url, init);
  if (response.status === 204) return null;
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    /* no JSON body */
  }
  if (!response.ok) {
    throw new ApiError(response.status, (answer && answer.error) || response.statusText, answer && answer.field);
  }
  return answer;
}

export const get = (url) => api("GET", url);
export const site = (domain) => `/api/v1/sites/${encodeURIComponent(domain)}`;
export const adminSite = (domain) => `/api/admin/sites/${encodeURIComponent(domain)}`;
