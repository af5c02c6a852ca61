/* Who is looking and at which sites: /api/me, and the sites the switcher offers. A share
   link's visitor sees only the shared site, read-only (no switcher, no settings link). */

import { getJson } from "./api.js";
import { chipText, parseFilters } from "./filters.js";
import { update } from "./state.js";

/** The sites this principal may read. /api/me does not list them (yet): a user's manageable
    sites come from /api/admin/sites; a viewer or a share link sees the site in the URL. */
async function readableSites(me) {
  if (Array.isArray(me.sites)) return me.sites;
  if (me.kind !== "user") return [];
  const sites = await getJson("/api/admin/sites");
  return sites.map((s) => ({ domain: s.domain, name: s.name || s.domain }));
}

function fillSwitcher(sites, current) {
  const select = document.getElementById("site");
  const known = sites.some((s) => s.domain === current);
  const all = known || !current ? sites : [{ domain: current, name: current }, ...sites];
  select.replaceChildren(...all.map((site) => {
    const option = document.createElement("option");
    option.value = site.domain;
    option.textContent = site.name && site.name !== site.domain
      ? `${site.name} (${site.domain})` : site.domain;
    return option;
  }));
  select.value = current;
  select.addEventListener("change", () => update({ site: select.value, filter: "", funnel: "", flow_from: "" }));
}

/** What the viewer may open (for the page states: an unknown site offers these instead), the
    sites they manage (who may add and remove annotations) and their session's CSRF token. */
export const viewer = { sites: [], admin: false, managed: new Set(), csrf: "" };

/** Owners and admins change a site's annotations; share links and viewers only read them. */
export function mayManage(site) {
  return viewer.admin || viewer.managed.has(site);
}

/** A share link locked to a filter (issue 21) shows only the visits matching it, on every
    report (the server applies it): the header says so, or its numbers would pass for the site's. */
async function showLock(site) {
  const lock = await getJson(`/api/v1/sites/${encodeURIComponent(site)}/lock`);
  if (!lock.filter) return;
  const badge = document.getElementById("lock-badge");
  badge.textContent = `Only: ${parseFilters(lock.filter).map(chipText).join(" and ")}`;
  badge.title = `This link shows only the visits where ${lock.filter}, in every report.`;
  badge.hidden = false;
}

/** Resolves to the site to show ("" when there is none), after setting up the header. */
export async function setUpSites(view) {
  const me = await getJson("/api/me");
  const shared = me.kind === "share";
  viewer.admin = Boolean(me.admin) && !shared;
  viewer.csrf = me.csrf_token || "";
  if (!shared) {
    viewer.managed = new Set((me.sites || []).filter((s) => s.role === "owner").map((s) => s.domain));
  }
  document.documentElement.dataset.viewer = me.kind;
  document.getElementById("shared-badge").hidden = !shared;
  const sites = shared ? [] : await readableSites(me);
  viewer.sites = sites;
  const site = view.site || (sites[0] && sites[0].domain) || "";
  // Header links (issue 19): the sites overview, this site's settings for its owners and
  // admins, the account page for a signed-in user.
  const owned = sites.find((s) => s.domain === site);
  const settings = document.getElementById("admin-link");
  settings.hidden = shared || !(me.admin || (owned && owned.role === "owner"));
  if (site) settings.href = `/sites/${encodeURIComponent(site)}/settings`;
  document.getElementById("sites-link").hidden = shared || me.kind !== "user";
  document.getElementById("account-link").hidden = !me.user;
  if (shared || (sites.length < 2 && site)) {
    document.getElementById("site").hidden = true;
    const name = document.getElementById("site-name");
    name.hidden = false;
    name.textContent = site;
  }
  if (!shared) fillSwitcher(sites, site);
  if (shared && site) showLock(site).catch(() => {}); // the reports load meanwhile
  document.getElementById("site").addEventListener("change", (event) => {
    settings.href = `/sites/${encodeURIComponent(event.target.value)}/settings`;
  });
  return site;
}
