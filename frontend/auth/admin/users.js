/* Users (admins): every account with its two-factor state and its role on each site (changed
   in place), deleting one; adding one with a password, or inviting one by link (they choose the
   password), each with a first role. */

import { api, get } from "/assets/settings/js/http.js";
import { button, copyButton, el, field, onSubmit } from "/assets/settings/js/ui.js";

const ROLES = [["", "No access"], ["viewer", "Viewer"], ["owner", "Owner"]];

function roleSelect(user, site, status) {
  const current = user.roles[String(site.id)] || "";
  const node = field({
    label: site.domain, name: `role-${site.domain}`, options: ROLES, value: current,
    id: `role-${user.id}-${site.id}`,
  });
  const select = node.querySelector("select");
  select.dataset.site = site.domain;
  select.addEventListener("change", async () => {
    status.textContent = "";
    try {
      await api("PUT", `/api/admin/users/${user.id}/roles/${encodeURIComponent(site.domain)}`, { role: select.value || null });
      status.textContent = `Saved: ${ROLES.find(([v]) => v === select.value)[1].toLowerCase()} on ${site.domain}.`;
      status.className = "form-ok";
    } catch (problem) {
      select.value = current;
      status.textContent = problem.message;
      status.className = "form-error";
    }
  });
  return node;
}

function userRow(user, sites, ctx, refresh) {
  const yourself = ctx.me.user && ctx.me.user.id === user.id;
  const status = el("p", { class: "form-ok", role: "status" });
  const roles = user.is_admin
    ? el("p", { class: "meta grow-full", text: "An admin reads and manages every site." })
    : el("fieldset", { class: "roles grow-full" },
      el("legend", { class: "meta", text: `Role of ${user.email} on each site` }),
      sites.length ? sites.map((s) => roleSelect(user, s, status)) : el("p", { class: "meta", text: "No site yet." }));
  return el("li", { "data-user": user.email },
    el("span", { class: "grow" }, el("strong", { text: user.email }), " ",
      user.is_admin ? el("span", { class: "pill", text: "admin" }) : null, " ",
      user.two_factor ? el("span", { class: "pill ok", text: "2FA" }) : el("span", { class: "pill bad", text: "no 2FA" })),
    yourself ? el("span", { class: "meta", text: "you" })
      : button("Delete", async () => {
        if (!confirm(`Delete the account ${user.email}?`)) return;
        await api("DELETE", `/api/admin/users/${user.id}`);
        await refresh();
      }, "control small", { "aria-label": `Delete ${user.email}` }),
    roles, status);
}

function siteOptions(sites, none) {
  return [...(none ? [["", none]] : []), ...sites.map((s) => [s.domain, s.domain])];
}

function addForm(sites, refresh) {
  const form = el("form", { class: "form", novalidate: true, id: "user-form" },
    el("h3", { text: "Add a user with a password" }),
    el("div", { class: "row" },
      field({ label: "Email", name: "email", type: "email" }),
      field({ label: "Password", name: "password", type: "password", help: "At least 10 characters; tell them, they can change it.", attrs: { autocomplete: "new-password" } })),
    el("div", { class: "row" },
      field({ label: "Site", name: "site", options: siteOptions(sites, "None for now") }),
      field({ label: "Role there", name: "role", options: ROLES.slice(1) })),
    el("label", { class: "checkbox" }, el("input", { type: "checkbox", name: "is_admin" }), "Admin: manages every site, user and token"),
    el("p", { class: "form-error", role: "alert" }),
    el("div", { class: "actions" }, el("button", { class: "control primary", type: "submit", text: "Add user" })));
  onSubmit(form, async (values) => {
    const isAdmin = values.is_admin === "on";
    const made = await api("POST", "/api/admin/users", { email: values.email.trim(), password: values.password, is_admin: isAdmin });
    if (values.site && !isAdmin) {
      await api("PUT", `/api/admin/users/${made.id}/roles/${encodeURIComponent(values.site)}`, { role: values.role });
    }
    form.reset();
    await refresh();
  });
  return form;
}

function inviteForm(sites, mailConfigured) {
  const shown = el("div", { class: "secret-box", hidden: true, id: "invite-link" });
  const form = el("form", { class: "form", novalidate: true, id: "invite-form" },
    el("h3", { text: "Invite by link" }),
    el("p", { class: "muted", text: "They open the link and choose their own password; it works once, for 7 days." }),
    el("div", { class: "row" },
      field({ label: "Email", name: "email", type: "email" }),
      field({ label: "Site", name: "site", options: siteOptions(sites) }),
      field({ label: "Role", name: "role", options: ROLES.slice(1) })),
    mailConfigured
      ? el("label", { class: "checkbox" }, el("input", { type: "checkbox", name: "send", checked: true }), "Also email the link")
      : el("p", { class: "meta", text: "Mail is not configured: copy the link and send it yourself." }),
    el("p", { class: "form-error", role: "alert" }),
    el("div", { class: "actions" }, el("button", { class: "control", type: "submit", text: "Create invitation", disabled: !sites.length })));
  onSubmit(form, async (values) => {
    const body = { email: values.email.trim(), site: values.site, role: values.role, send: values.send === "on" };
    const made = await api("POST", "/api/admin/invitations", body);
    const url = `${location.origin}${made.path}`;
    shown.hidden = false;
    shown.replaceChildren(
      el("strong", { text: made.sent ? `Emailed to ${made.email}; the link, shown this once:` : "The link, shown this once:" }),
      el("code", { text: url }),
      el("div", { class: "actions" }, copyButton(() => url, "Copy link")));
    form.reset();
  });
  return [form, shown];
}

export default {
  id: "users",
  title: "Users",
  async render(box, ctx) {
    const list = el("ul", { class: "items", id: "user-list" });
    const [sites, settings] = await Promise.all([get("/api/admin/sites"), get("/api/admin/instance")]);
    async function refresh() {
      const users = await get("/api/admin/users");
      list.replaceChildren(...users.map((u) => userRow(u, sites, ctx, refresh)));
    }
    box.append(list, addForm(sites, refresh), ...inviteForm(sites, settings.mail.configured));
    await refresh();
  },
};
