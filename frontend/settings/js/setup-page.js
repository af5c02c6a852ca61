/* /sites/<domain>/setup: the snippet to copy (Pulse's, and the Plausible and Umami drop-in
   variants, served by this instance), then a live wait for the first page view over /ws/live:
   "Waiting for the first visit…" becomes "Received from /pricing, 2 s ago". After HELP_AFTER_MS
   without one, the usual reasons are shown (CSP, ad blockers, the wrong domain). */

import { frame, siteDomain } from "./frame.js";
import { get } from "./http.js";
import { ago, copyButton, el } from "./ui.js";

const HELP_AFTER_MS = 20_000;

function snippets(domain, umamiId) {
  const origin = location.origin;
  return [
    {
      id: "pulse",
      label: "Pulse",
      code: `<script defer src="${origin}/js/pulse.js" data-site="${domain}"></script>`,
      note: "Page views, engagement time and scroll depth; custom events with pulse('Signup').",
    },
    {
      id: "plausible",
      label: "Plausible drop-in",
      code: `<script defer data-domain="${domain}" src="${origin}/js/script.js"></script>`,
      note: "Replacing Plausible: the same tag with this host. Custom events become pulse('Signup') calls.",
    },
    {
      id: "umami",
      label: "Umami drop-in",
      code: `<script defer src="${origin}/script.js" data-website-id="${umamiId || domain}"></script>`,
      note: umamiId
        ? "Replacing Umami: your website id is kept. Custom events become pulse('Signup') calls."
        : "Replacing Umami: set your Umami website id in Settings → General to keep the old tags, or use this one.",
    },
  ];
}

function showSnippets(list) {
  const tabs = document.getElementById("snippet-tabs");
  const panels = document.getElementById("snippets");
  const buttons = list.map((s, i) => el("button", {
    type: "button", role: "tab", id: `tab-${s.id}`, "aria-controls": `panel-${s.id}`,
    "aria-selected": String(i === 0), tabindex: i === 0 ? "0" : "-1", text: s.label,
  }));
  const shown = list.map((s, i) => el("div", { class: "snippet", role: "tabpanel", id: `panel-${s.id}`, "aria-labelledby": `tab-${s.id}`, hidden: i !== 0 },
    el("pre", {}, el("code", { class: "snippet-code", text: s.code })),
    el("div", { class: "actions" },
      copyButton(() => s.code, "Copy snippet", { "data-copy": s.id }),
      el("span", { class: "muted", text: s.note }))));
  function select(index) {
    buttons.forEach((b, i) => {
      b.setAttribute("aria-selected", String(i === index));
      b.tabIndex = i === index ? 0 : -1;
      shown[i].hidden = i !== index;
    });
    buttons[index].focus();
  }
  buttons.forEach((b, i) => {
    b.addEventListener("click", () => select(i));
    b.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) select((i + step + buttons.length) % buttons.length);
    });
  });
  tabs.replaceChildren(...buttons);
  panels.replaceChildren(...shown);
}

function waitLive(domain) {
  const state = document.getElementById("wait-state");
  const text = document.getElementById("wait-text");
  const help = document.getElementById("wait-help");
  let seen = null; // {path, ts} of the newest page view, ts on this browser's clock
  const started = Date.now();
  const helpTimer = setTimeout(() => { if (!seen) help.hidden = false; }, HELP_AFTER_MS);
  function render() {
    if (!seen) return;
    state.dataset.state = "received";
    text.textContent = `First visit received from ${seen.path}, ${ago(Date.now() - seen.ts)}`;
  }
  setInterval(render, 1000);
  if (!window.PulseLive) return;
  window.PulseLive.connect(domain, {
    onSnapshot(snapshot) {
      if (snapshot.site !== domain) return;
      const skew = Date.now() - snapshot.at; // the server's clock against this one
      const view = (snapshot.recent || []).find((e) => e.name === "pageview") || (snapshot.recent || [])[0];
      if (view) {
        seen = { path: view.path || "/", ts: view.ts + skew };
      } else if (snapshot.today && snapshot.today.pageviews > 0 && !seen) {
        seen = { path: "this site (earlier today)", ts: started };
      }
      if (seen) {
        clearTimeout(helpTimer);
        help.hidden = true;
        render();
      }
    },
    onStatus(status) {
      state.dataset.connection = status;
    },
  });
}

async function main() {
  await frame("sites");
  const domain = siteDomain();
  let umamiId = null;
  try {
    const managed = await get("/api/admin/sites");
    umamiId = (managed.find((s) => s.domain === domain) || {}).umami_id || null;
  } catch {
    /* a viewer: no site settings to read */
  }
  showSnippets(snippets(domain, umamiId));
  const quoted = encodeURIComponent(domain);
  document.getElementById("to-dashboard").href = `/?site=${quoted}`;
  document.getElementById("to-settings").href = `/sites/${quoted}/settings`;
  document.getElementById("help-rules").href = `/sites/${quoted}/settings#rules`;
  document.getElementById("help-origin").textContent = location.origin;
  document.getElementById("help-domain").textContent = domain;
  waitLive(domain);
  document.documentElement.dataset.ready = "1";
}

main();
