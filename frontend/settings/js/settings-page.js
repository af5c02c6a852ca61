/* /sites/<domain>/settings: one card per section, each its own module under sections/ that
   exports {id, title, render(ctx)} and renders into a <section>. To add a section, write
   sections/NAME.js and list it in SECTIONS: the side navigation and the anchors (#goals)
   follow. */

import { frame, siteDomain } from "./frame.js";
import { get } from "./http.js";
import { el } from "./ui.js";
import general from "./sections/general.js";
import rules from "./sections/rules.js";
import goals from "./sections/goals.js";
import shares from "./sections/shares.js";
import kiosks from "./sections/kiosks.js";
import alerts from "./sections/alerts.js";
import reports from "./sections/reports.js";
import data from "./sections/data.js";
import members from "./sections/members.js";
import danger from "./sections/danger.js";

export const SECTIONS = [general, rules, goals, shares, kiosks, alerts, reports, data, members, danger];

async function main() {
  const me = await frame("settings");
  const domain = siteDomain();
  const quoted = encodeURIComponent(domain);
  document.getElementById("back").href = `/?site=${quoted}`;
  const status = document.getElementById("status");
  const managed = await get("/api/admin/sites");
  const site = managed.find((s) => s.domain === domain);
  if (!site) {
    status.textContent = "Only the site's owners and admins change its settings.";
    return;
  }
  document.getElementById("site-label").textContent = site.name && site.name !== site.domain
    ? `${site.name} (${site.domain})` : site.domain;
  const ctx = { domain, site, me };
  const holder = document.getElementById("sections");
  const links = document.getElementById("section-links");
  for (const section of SECTIONS) {
    if (section.admin && !me.admin) continue;
    const heading = el("h2", { id: `${section.id}-heading`, text: section.title });
    const box = el("section", { class: `card section-${section.id}`, id: section.id, "aria-labelledby": heading.id }, heading);
    holder.append(box);
    links.append(el("li", {}, el("a", { href: `#${section.id}`, text: section.title })));
    try {
      await section.render(box, ctx);
    } catch (problem) {
      box.append(el("p", { class: "form-error", text: `Could not load: ${problem.message}` }));
    }
  }
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  document.documentElement.dataset.ready = "1";
}

main();
