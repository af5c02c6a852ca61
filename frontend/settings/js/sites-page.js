/* /sites: each readable site with visitors today and over 7 days (GET /api/v1/overview, the
   same reports as the dashboard), a sparkline, and its active-now number pushed live over
   /ws/live (the wall's connection.js, one socket per site card). A search box appears once
   there are more than SEARCH_FROM sites. */

import { frame } from "./frame.js";
import { get } from "./http.js";
import { el, number } from "./ui.js";
import { sparkline } from "./sparkline.js";

const SEARCH_FROM = 6;
// The server caps open sockets per credential at 20 (PULSE_LIVE_SOCKETS_PER_CREDENTIAL): the
// first 12 cards go live, leaving room for a dashboard and a wall in other tabs.
const LIVE_CARDS = 12;
const connections = [];

function card(site, index) {
  const active = el("span", { class: "active", "data-live": "false", title: "Visitors in the last 5 minutes" },
    el("span", { class: "dot", "aria-hidden": "true" }),
    el("span", { class: "active-now", text: "–" }), " active now");
  const dashboard = `/?site=${encodeURIComponent(site.domain)}`;
  const days = site.days.map((d) => d.visitors);
  const item = el("li", { "data-site": site.domain, "data-search": `${site.name} ${site.domain}`.toLowerCase() },
    el("article", { class: "card site-card" },
      el("div", { class: "top" },
        el("a", { class: "title", href: dashboard, text: site.name || site.domain }),
        active),
      site.name && site.name !== site.domain ? el("span", { class: "domain", text: site.domain }) : null,
      el("div", { class: "figures" },
        el("div", { class: "figure" }, el("span", { class: "n visitors-today", text: number(site.visitors_today) }),
          el("span", { class: "label", text: "Visitors today" })),
        el("div", { class: "figure" }, el("span", { class: "n visitors-7d", text: number(site.visitors_7d) }),
          el("span", { class: "label", text: "Last 7 days" }))),
      sparkline(days, `Visitors per day over the last 7 days: ${days.join(", ")}`),
      el("div", { class: "links" },
        el("a", { href: dashboard, text: "Dashboard" }),
        el("a", { href: `/live?site=${encodeURIComponent(site.domain)}`, text: "Live" }),
        site.role === "owner" ? el("a", { href: `/sites/${encodeURIComponent(site.domain)}/settings`, text: "Settings" }) : null,
        site.visitors_7d === 0 && site.role === "owner"
          ? el("a", { href: `/sites/${encodeURIComponent(site.domain)}/setup`, text: "Snippet" }) : null)));
  if (window.PulseLive && index < LIVE_CARDS) {
    const shown = active.querySelector(".active-now");
    connections.push(window.PulseLive.connect(site.domain, {
      onSnapshot(snapshot) {
        if (snapshot.site !== site.domain) return;
        shown.textContent = number(snapshot.active_now);
        shown.dataset.value = String(snapshot.active_now);
      },
      onStatus(state) {
        active.dataset.live = String(state === "live" || state === "polling");
      },
    }));
  }
  return item;
}

function search(list) {
  const box = document.getElementById("search-box");
  const input = document.getElementById("search");
  box.hidden = list.children.length <= SEARCH_FROM;
  input.addEventListener("input", () => {
    const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const item of list.children) {
      const match = words.every((w) => (item.dataset.search || "").includes(w));
      item.hidden = !match;
      if (match) shown += 1;
    }
    document.getElementById("no-match").hidden = shown > 0;
  });
}

async function main() {
  await frame("sites");
  const status = document.getElementById("status");
  const list = document.getElementById("sites");
  status.textContent = "Loading…";
  try {
    const overview = await get("/api/v1/overview");
    document.getElementById("add-site").hidden = !overview.can_add;
    list.replaceChildren(...overview.sites.map(card));
    status.textContent = overview.sites.length ? "" : overview.can_add
      ? "No site yet: add the first one." : "No site is shared with you yet: ask an admin for an invitation.";
    search(list);
    document.documentElement.dataset.ready = "1";
  } catch (problem) {
    status.textContent = `The sites could not be loaded: ${problem.message}`;
  }
}

addEventListener("pagehide", () => connections.forEach((c) => c.close()));
main();
