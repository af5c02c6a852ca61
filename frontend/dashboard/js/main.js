/* The dashboard: reads the view from the URL, loads every panel for it, and reloads only what
   a change touches (a card click redraws the chart; a new range reloads everything). */

import { installControls, rememberPeriod, syncControls } from "./controls.js";
import { installFilterMenu } from "./filter-menu.js";
import { installFilterBar, renderChips } from "./filters.js";
import { periodDays } from "./format.js";
import { installFlows, loadFlows } from "./flows.js";
import { installFunnel, loadFunnel } from "./funnel.js";
import { installGoals, loadGoals } from "./goals.js";
import { installImported, showImported } from "./imported.js";
import { installKpis, loadKpis, markSelected } from "./kpis.js";
import { watchActiveNow } from "./live-badge.js";
import { createPanels, whenSeen } from "./panels.js";
import { installRetention, loadRetention } from "./retention.js";
import { clearPageState, isPageError, panelErrorText, showErrorState, showNoSiteState } from "./page-state.js";
import { setUpSites, viewer } from "./sites.js";
import { onChange, update, view } from "./state.js";
import { installThemeToggle } from "./theme.js";
import { installTrend, loadTrend, showMetric } from "./trend.js";
import { installWorld, loadWorld } from "./world.js";
import { loadVisitorTypes, showVisitorTypeTrend, installVisitorTypes } from "./visitor-types.js";

// Keys of the view that change what every report covers.
const SCOPE = ["site", "range", "from", "to", "interval", "filter", "imported"];
const card = (id) => document.getElementById(id);
let panels = [];
let shown = null;
// The Goals card's report is one SQL scan (250-700 ms at 300k events): asked only once the card
// comes near the screen, then again on each change of scope.
let goalsSeen = false;

/** A card whose own request failed: its stale content goes, a short reason shows. */
function showPanelError(root, error) {
  if (!root) return;
  root.dataset.state = "error";
  root.dataset.loaded = "1";
  let note = root.querySelector(":scope > .panel-error");
  if (!note) {
    note = document.createElement("p");
    note.className = "panel-error";
    note.setAttribute("role", "status");
    root.append(note);
  }
  note.textContent = panelErrorText(error);
  note.title = error && error.message ? error.message : "";
}

function notice(text) {
  const element = document.getElementById("notice");
  element.hidden = !text;
  element.textContent = text || "";
}

/** A failure shows once, never as an unhandled rejection: a refused view (400/403/404) as
    the page's state, anything else in the panel alone. */
function showFailure(root, error) {
  if (isPageError(error)) showErrorState(error, viewer.sites);
  else showPanelError(root, error);
}

function guarded(root, promise) {
  return promise.catch((error) => showFailure(root, error));
}

function loadTrendAndTypes(current) {
  return loadTrend(current).then((answer) => {
    if (!answer) return;
    rememberPeriod(answer.period);
    showVisitorTypeTrend(answer);
  });
}

async function reload(current, previous) {
  const changed = (keys) => !previous || keys.some((k) => current[k] !== previous[k]);
  const scope = changed(SCOPE);
  const goals = goalsSeen; // a card first seen while this waits on the summary loads itself
  syncControls(current);
  renderChips(current);
  markSelected(current);
  if (scope || changed(["compare", "compare_from", "compare_to"])) {
    clearPageState();
    // The summary first: a view the API refuses (an unknown site, a link it cannot read) is
    // then one request and one page state, not the same error from every panel.
    try {
      const summary = await loadKpis(current);
      if (summary === null) return; // superseded by a newer view
      guarded(card("kpis"), showImported(current, summary, periodDays(summary.period)));
    } catch (error) {
      showFailure(card("kpis"), error);
      if (isPageError(error)) return;
    }
    guarded(card("trend-card"), loadTrendAndTypes(current));
  }
  if (changed(["site"])) watchActiveNow(current.site);
  if (scope) {
    guarded(card("visitor-types"), loadVisitorTypes(current));
    guarded(card("world"), loadWorld(current));
    if (goals) guarded(card("goals"), loadGoals(current));
    for (const panel of panels) guarded(panel.root, panel.load(current));
  } else if (changed(["metric"])) {
    showMetric(current);
  }
  if (scope || changed(["flow_depth", "flow_from"])) guarded(card("flows"), loadFlows(current));
  if (scope || changed(["cohort"])) guarded(card("retention"), loadRetention(current));
  if (scope || changed(["funnel"])) guarded(card("funnel"), loadFunnel(current));
}

async function start() {
  installKpis();
  installTrend();
  installVisitorTypes();
  installFlows();
  installRetention();
  installFunnel();
  installWorld();
  installGoals();
  installImported();
  installControls();
  installFilterBar();
  installFilterMenu();
  installThemeToggle();
  panels = createPanels();
  const site = await setUpSites(view());
  if (!site) {
    showNoSiteState(viewer.admin);
    document.documentElement.dataset.pending = "0";
    document.documentElement.dataset.started = "1";
    return;
  }
  onChange((current) => {
    const previous = shown;
    shown = current;
    reload(current, previous);
  });
  if (view().site !== site) update({ site }, { replace: true });
  else {
    shown = view();
    reload(shown, null);
  }
  whenSeen(card("goals"), () => {
    goalsSeen = true;
    // A refused view (the page's state) asks nothing more; its next view loads the card.
    if (!document.getElementById("main").dataset.pageState) guarded(card("goals"), loadGoals(shown));
  });
  document.documentElement.dataset.started = "1";
}

start().catch(() => notice("The dashboard could not start: the server did not answer. Reload to try again."));
