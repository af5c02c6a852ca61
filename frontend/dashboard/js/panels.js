/* Which breakdown cards the dashboard has, and their tabs; and `whenSeen`, which holds a card's
   costly report back until the card comes near the screen. */

import { BreakdownPanel } from "./breakdown-panel.js";
import { countryName } from "./format.js";
import { sourceIcon } from "./source-icons.js";

const VISITORS = ["visitors", "Visitors"];
const SESSION_COLUMNS = [VISITORS, ["bounce_rate", "Bounce"]];
const UTM = ["source", "medium", "campaign", "term", "content"];
const flag = (code) => `/assets/vendor/flags/${encodeURIComponent(code.toLowerCase())}.svg`;
// Regions and cities name their country last ("London, England, GB"): its flag, then the rest.
const place = (value) => value.split(", ").slice(0, -1).join(", ") || value;
const placeFlag = (value) => flag(value.split(", ").at(-1));
// DB-IP's City Lite licence (CC BY 4.0) asks pages showing its results to link back.
const DBIP = { text: "IP geolocation by DB-IP", href: "https://db-ip.com" };
const PLACE = { columns: SESSION_COLUMNS, display: place, icon: placeFlag, flag: true, credit: DBIP };

export function createPanels() {
  const $ = (id) => document.getElementById(id);
  return [
    new BreakdownPanel($("acquisition"), "Acquisition", [
      { label: "Sources", dimension: "source", columns: SESSION_COLUMNS, icon: sourceIcon },
      { label: "Channels", dimension: "channel", columns: SESSION_COLUMNS },
      { label: "Referrers", dimension: "referrer", columns: SESSION_COLUMNS },
      ...UTM.map((p) => ({ label: `UTM ${p}`, dimension: `utm_${p}`, columns: SESSION_COLUMNS })),
    ]),
    new BreakdownPanel($("pages"), "Pages", [
      { label: "Top pages", dimension: "page", columns: [VISITORS, ["count", "Views"]] },
      // Hostname + path ("docs.example.com/setup"): a multi-domain site's pages kept apart.
      { label: "Page URLs", dimension: "page_url", columns: [VISITORS, ["count", "Views"]] },
      // Its own tab: time on page and scroll depth are one SQL scan of the period's engagement
      // events (250-700 ms at 300k events), which the first load must not wait for.
      {
        label: "Engagement", id: "engagement", dimension: "page", metrics: "time_on_page,scroll_depth",
        columns: [VISITORS, ["time_on_page", "Time"], ["scroll_depth", "Scroll"]],
      },
      { label: "Entry pages", dimension: "entry_page", columns: [VISITORS, ["sessions", "Entries"]] },
      { label: "Exit pages", dimension: "exit_page", columns: [VISITORS, ["sessions", "Exits"]] },
      { label: "Hostnames", dimension: "hostname", columns: SESSION_COLUMNS },
    ]),
    new BreakdownPanel($("audience"), "Audience", [
      { label: "Countries", dimension: "country", columns: SESSION_COLUMNS, display: countryName, icon: flag, flag: true },
      { label: "Regions", dimension: "region", ...PLACE },
      { label: "Cities", dimension: "city", ...PLACE },
      { label: "Browsers", dimension: "browser", columns: SESSION_COLUMNS },
      { label: "OS", dimension: "os", columns: SESSION_COLUMNS },
      { label: "Devices", dimension: "device", columns: SESSION_COLUMNS },
      { label: "Screens", dimension: "screen", columns: SESSION_COLUMNS },
      { label: "Browser versions", dimension: "browser_version", columns: SESSION_COLUMNS },
      { label: "OS versions", dimension: "os_version", columns: SESSION_COLUMNS },
      { label: "Languages", dimension: "language", columns: SESSION_COLUMNS },
    ]),
    new BreakdownPanel($("events"), "Custom events", [
      { label: "Events", dimension: "event", columns: [VISITORS, ["count", "Events"]] },
      { label: "Properties", dimension: "prop", key: true, columns: [VISITORS, ["count", "Events"]] },
    ]),
  ];
}

// How far below the screen a card starts loading: about one card's height, so it is usually
// drawn by the time it scrolls in.
const SEEN_MARGIN = "400px 0px";

/** Call `show()` once, the first time `element` comes within SEEN_MARGIN of the viewport. */
export function whenSeen(element, show) {
  if (!("IntersectionObserver" in window)) {
    show();
    return;
  }
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    observer.disconnect();
    show();
  }, { rootMargin: SEEN_MARGIN });
  observer.observe(element);
}
