/* The dashboard: reads the view from the URL, loads every panel for it, and reloads only what
   a change touches (a card click redraws the chart; a new range reloads everything). */

import { ApiError } from "./api.js";
import { installControls, rememberPeriod, syncControls } from "./controls.js";
import { installFilterBar, renderChips } from "./filters.js";
import { installFlows, loadFlows } from "./flows.js";
import { installFunnel, loadFunnel } from "./funnel.js";
import { installKpis, loadKpis, markSelected } from "./kpis.js";
import { watchActiveNow } from "./live-badge.js";
import { createPanels } from "./panels.js";
import { installRetention, loadRetention } from "./retention.js";
import { setUpSites } from "./sites.js";
import { onChange, update, view } from "./state.js";
import { installThemeToggle } from "./theme.js";
import { installTrend, loadTrend, showMetric } from "./trend.js";
import { loadVisitorTypes, showVisitorTypeTrend, installVisitorTypes } from "./visitor-types.js";

// Keys of the view that change what every report covers.
const SCOPE = ["site", "range", "from", "to", "interval", "filter"];
let panels = [];
let shown = null;

function notice(text) {
  const element = document.getElementById("notice");
  element.hidden = !text;
  element.textContent = text || "";
}

/** Run one panel's load; a failure shows on the page, never as an unhandled rejection. */
function guarded(name, promise) {
  return promise.catch((error) => {
    const why = error instanceof ApiError ? error.message : String(error);
    notice(`Could not load ${name}: ${why}`);
  });
}

function loadTrendAndTypes(current) {
  return loadTrend(current).then((answer) => {
    if (!answer) return;
    rememberPeriod(answer.period);
    showVisitorTypeTrend(answer);
  });
}

function reload(current, previous) {
  const changed = (keys) => !previous || keys.some((k) => current[k] !== previous[k]);
  const scope = changed(SCOPE);
  syncControls(current);
  renderChips(current);
  markSelected(current);
  if (scope) notice("");
  if (changed(["site"])) watchActiveNow(current.site);
  if (scope || changed(["compare"])) guarded("the summary", loadKpis(current));
  if (scope || changed(["compare"])) guarded("the trend", loadTrendAndTypes(current));
  if (scope) {
    guarded("new vs returning", loadVisitorTypes(current));
    for (const panel of panels) guarded(panel.root.getAttribute("aria-label"), panel.load(current));
  } else if (changed(["metric"])) {
    showMetric(current);
  }
  if (scope || changed(["flow_depth", "flow_from"])) guarded("the user flow", loadFlows(current));
  if (scope || changed(["cohort"])) guarded("retention", loadRetention(current));
  if (scope || changed(["funnel"])) guarded("the funnel", loadFunnel(current));
}

async function start() {
  installKpis();
  installTrend();
  installVisitorTypes();
  installFlows();
  installRetention();
  installFunnel();
  installControls();
  installFilterBar();
  installThemeToggle();
  panels = createPanels();
  const site = await setUpSites(view());
  if (!site) {
    notice("No site to show: add one (pulse site add example.com) or open /?site=example.com.");
    document.documentElement.dataset.pending = "0";
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
  document.documentElement.dataset.started = "1";
}

start().catch((error) => notice(`The dashboard could not start: ${error.message}`));
