/* One clear state for the whole page when no panel can answer (an unknown site, a site this
   viewer may not read, a link whose period or filter the API refuses), in place of the same
   error in every card; and the short text a single panel shows when only it failed. */

import { ApiError } from "./api.js";
import { update, view } from "./state.js";

/** A 400 (a parameter), 403 or 404 is the same for every panel: the page says it once. */
export function isPageError(error) {
  return error instanceof ApiError && [400, 403, 404].includes(error.status);
}

/** What a card shows when its own request failed (a 500, the network): no stack, no type. */
export function panelErrorText(error) {
  const offline = !(error instanceof ApiError);
  return offline ? "Could not reach the server. Change the view or reload to try again."
    : "This panel could not be loaded. Change the view or reload to try again.";
}

function element(tag, text) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}

function siteLinks(sites) {
  const list = element("ul");
  for (const site of sites) {
    const link = element("a", site.name && site.name !== site.domain ? `${site.name} (${site.domain})` : site.domain);
    link.href = `/?site=${encodeURIComponent(site.domain)}`;
    const item = element("li");
    item.append(link);
    list.append(item);
  }
  return list;
}

function show(kind, title, lines, extra = []) {
  const main = document.getElementById("main");
  const box = element("section");
  box.className = "page-state";
  box.id = "page-state";
  box.dataset.kind = kind;
  box.append(element("h2", title), ...lines.map((line) => element("p", line)), ...extra);
  main.querySelector(".page-state")?.remove();
  main.prepend(box);
  main.dataset.pageState = kind;
}

export function clearPageState() {
  const main = document.getElementById("main");
  main.querySelector(".page-state")?.remove();
  delete main.dataset.pageState;
}

const FIELDS = {
  range: "period", from: "first day", to: "last day", interval: "interval", filter: "filter",
  compare: "comparison", compare_from: "comparison's first day", compare_to: "comparison's last day",
};

/** The page state for a page-level error; `sites` are the ones this viewer may open. */
export function showErrorState(error, sites = []) {
  const site = view().site;
  // The server answers the same 404 for a missing site and one this viewer may not read (so a
  // credential cannot probe which sites exist): say what is true of both.
  if (error.status === 404) {
    const others = sites.filter((s) => s.domain !== site);
    show("unknown-site", "Site not available", [`No site called “${site}” is open to you here.`,
      ...(others.length ? ["Open one of these:"] : [])], others.length ? [siteLinks(others)] : []);
    return;
  }
  if (error.status === 403) {
    show("forbidden", "Not shared with you", [`You may not read the reports of “${site}”.`]);
    return;
  }
  const reset = element("button", "Show the default view of this site");
  reset.type = "button";
  reset.className = "control primary";
  reset.addEventListener("click", () => {
    clearPageState();
    update({
      range: "7d", from: "", to: "", interval: "", compare: "previous", compare_from: "",
      compare_to: "", filter: "",
    });
  });
  const what = FIELDS[error.field] || "view";
  show("bad-link", "This link cannot be shown", [
    `The reports cannot read its ${what}: ${error.message}.`], [reset]);
}

/** No site at all, or none this viewer may read. */
export function showNoSiteState(isAdmin) {
  const lines = ["There is no site to show yet."];
  const extra = [];
  if (isAdmin) {
    const link = element("a", "Add a site in Settings");
    link.href = "/admin";
    extra.push(link);
  } else {
    lines.push("Ask an administrator to add one, or to share one with you.");
  }
  show("no-site", "No site yet", lines, extra);
}

/** A card reloading: its numbers dim (panels.css) until the answer replaces them. */
export function markLoading(root) {
  root.dataset.state = "loading";
}

/** A card showing its answer: no skeleton any more, no error left from an earlier try. */
export function markReady(root) {
  root.dataset.state = "ready";
  root.dataset.loaded = "1";
  root.querySelector(":scope > .panel-error")?.remove();
}
