/* Users (admins): every account with its roles and two-factor state; add one (admin or not),
   delete one. Roles per site are given in each site's settings (Members). */

import { api, get } from "../http.js";
import { button, el, field, onSubmit } from "../ui.js";

export default {
  id: "users",
  title: "Users",
  admin: true,
  async render(box, ctx) {
    const list = el("ul", { class: "items", id: "user-list" });
    async function refresh() {
      const users = await get("/api/admin/users");
      const sites = await get("/api/admin/sites");
      const domain = Object.fromEntries(sites.map((s) => [String(s.id), s.domain]));
      list.replaceChildren(...users.map((u) => el("li", { "data-user": u.email },
        el("span", { class: "grow" }, el("strong", { text: u.email }), " ",
          u.is_admin ? el("span", { class: "pill", text: "admin" }) : null, " ",
          u.two_factor ? el("span", { class: "pill ok", text: "2FA" }) : el("span", { class: "pill bad", text: "no 2FA" }), " ",
          el("span", { class: "meta", text: Object.entries(u.roles).map(([id, role]) => `${domain[id] || id}: ${role}`).join(", ") })),
        ctx.me.user && ctx.me.user.id === u.id ? el("span", { class: "meta", text: "you" })
          : button("Delete", async () => {
            if (!confirm(`Delete the account ${u.email}?`)) return;
            await api("DELETE", `/api/admin/users/${u.id}`);
            await refresh();
          }, "control small", { "aria-label": `Delete ${u.email}` }))));
    }
    const form = el("form", { class: "form", novalidate: true, id: "user-form" },
      el("h3", { text: "Add a user" }),
      el("div", { class: "row" },
        field({ label: "Email", name: "email", type: "email" }),
        field({ label: "Password", name: "password", type: "password", attrs: { autocomplete: "new-password" } })),
      el("label", { class: "checkbox" }, el("input", { type: "checkbox", name: "is_admin" }), "Admin: manages every site, user and token"),
      el("p", { class: "form-error", role: "alert" }),
      el("div", { class: "actions" }, el("button", { class: "control", type: "submit", text: "Add user" })));
    onSubmit(form, async (values) => {
      await api("POST", "/api/admin/users", { email: values.email.trim(), password: values.password, is_admin: values.is_admin === "on" });
      form.reset();
      await refresh();
    });
    box.append(el("p", { class: "muted", text: "To bring someone in with their own password, invite them from a site's Members section." }), list, form);
    await refresh();
  },
};
