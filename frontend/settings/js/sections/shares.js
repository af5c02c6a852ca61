/* Share links: a read-only view of the dashboard for anyone with the link (optionally behind a
   password, optionally locked to a filter): copy, open, created date, revoke, and each link's
   embed panel (framing origins, snippets: sections/share-embed.js). */

import { adminSite, api, get } from "../http.js";
import { button, copyButton, date, el, field, onSubmit } from "../ui.js";
import { embedPanel } from "./share-embed.js";

export default {
  id: "shares",
  title: "Share links",
  async render(box, ctx) {
    const list = el("ul", { class: "items", id: "share-list", "data-empty": "No share link yet." });
    async function refresh() {
      const links = (await get(`${adminSite(ctx.domain)}/shares`)).filter((l) => l.revoked_at === null);
      list.replaceChildren(...links.map((link) => {
        const url = `${location.origin}${link.path}`;
        const panel = el("div", { class: "embed-panel", id: `embed-${link.slug}`, hidden: true });
        const embed = button("Embed", () => {
          panel.hidden = !panel.hidden;
          embed.setAttribute("aria-expanded", String(!panel.hidden));
          if (!panel.hidden) panel.replaceChildren(...embedPanel(link, (updated) => Object.assign(link, updated)));
        }, "control small", { "aria-expanded": "false", "aria-controls": panel.id });
        return el("li", { "data-share": link.slug },
          el("span", { class: "grow" },
            el("code", { class: "share-url", text: url }), " ",
            el("span", { class: "meta", text: `created ${date(link.created_at)}` }), " ",
            link.has_password ? el("span", { class: "pill", text: "password" }) : null, " ",
            link.filter ? el("span", { class: "pill", title: "Locked filter", text: link.filter }) : null),
          copyButton(() => url, "Copy link", { "aria-label": `Copy the link ${url}` }),
          el("a", { class: "control small link", href: url, target: "_blank", rel: "noopener", text: "Open" }),
          embed,
          button("Revoke", async () => {
            await api("DELETE", `/api/admin/shares/${link.id}`);
            await refresh();
          }, "control small", { "aria-label": `Revoke the link ${url}` }),
          el("div", { class: "grow-full" }, panel));
      }));
    }
    const form = el("form", { class: "form", novalidate: true, id: "share-form" },
      el("h3", { text: "New share link" }),
      el("div", { class: "row" },
        field({ label: "Password (optional)", name: "password", type: "password", help: "Visitors type it once; empty: the link alone opens it (and it can be embedded).", attrs: { autocomplete: "new-password" } }),
        field({ label: "Locked filter (optional)", name: "filter", help: "The dashboard's filter syntax, e.g. country==DE or page=~/shop: the link shows only that, always." })),
      el("p", { class: "form-error", role: "alert" }),
      el("div", { class: "actions" }, el("button", { class: "control primary", type: "submit", text: "Create link" })));
    onSubmit(form, async (values) => {
      const body = {};
      if (values.password) body.password = values.password;
      if (values.filter.trim()) body.filter = values.filter.trim();
      await api("POST", `${adminSite(ctx.domain)}/shares`, body);
      form.reset();
      await refresh();
    });
    box.append(el("p", { class: "muted", text: "A share link shows this site's dashboard read-only, to anyone who has it." }), list, form);
    await refresh();
  },
};
