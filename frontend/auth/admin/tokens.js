/* API tokens (admins): list, create (read-only for one site, or admin), revoke. A new token
   is shown once. */

import { api, get } from "/assets/settings/js/http.js";
import { button, copyButton, date, el, field, onSubmit } from "/assets/settings/js/ui.js";

export default {
  id: "tokens",
  title: "API tokens",
  async render(box, ctx) {
    const list = el("ul", { class: "items", id: "token-list", "data-empty": "No token yet." });
    const shown = el("div", { class: "secret-box", hidden: true });
    async function refresh() {
      const tokens = (await get("/api/admin/tokens")).filter((t) => t.revoked_at === null);
      list.replaceChildren(...tokens.map((t) => el("li", { "data-token": t.prefix },
        el("span", { class: "grow" }, el("strong", { text: t.label || "(no label)" }), " ",
          el("code", { text: `${t.prefix}…` }), " ",
          el("span", { class: "pill", text: t.scope === "admin" ? "admin" : `read ${t.site_domain}` }), " ",
          el("span", { class: "meta", text: `created ${date(t.created_at)}` })),
        button("Revoke", async () => {
          await api("DELETE", `/api/admin/tokens/${t.id}`);
          await refresh();
        }, "control small", { "aria-label": `Revoke the token ${t.label || t.prefix}` }))));
    }
    const scopes = [["", "Admin: everything"], ...ctx.me.sites.map((s) => [s.domain, `Read-only: ${s.domain}`])];
    const form = el("form", { class: "form", novalidate: true, id: "token-form" },
      el("h3", { text: "New token" }),
      el("div", { class: "row" },
        field({ label: "Label", name: "label", help: "What it is for (a script, a wall display)." }),
        field({ label: "Scope", name: "site", options: scopes, value: scopes.length > 1 ? scopes[1][0] : "" })),
      el("p", { class: "form-error", role: "alert" }),
      el("div", { class: "actions" }, el("button", { class: "control", type: "submit", text: "Create token" })));
    onSubmit(form, async (values) => {
      const body = { label: values.label.trim() };
      if (values.site) body.site = values.site;
      const made = await api("POST", "/api/admin/tokens", body);
      shown.hidden = false;
      shown.replaceChildren(el("strong", { text: "The token, shown this once:" }), el("code", { id: "new-token", text: made.token }),
        el("div", { class: "actions" }, copyButton(() => made.token, "Copy token")));
      form.reset();
      await refresh();
    });
    box.append(list, shown, form);
    await refresh();
  },
};
