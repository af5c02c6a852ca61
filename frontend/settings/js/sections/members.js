/* Members: who has a role on the site, by email (owner: changes settings; viewer: reads),
   and invitations by link for addresses without an account: pending, copy link, revoke. */

import { adminSite, api, get } from "../http.js";
import { button, copyButton, date, el, field, onSubmit } from "../ui.js";

const ROLES = [["viewer", "Viewer: sees the reports"], ["owner", "Owner: also changes the settings"]];

export default {
  id: "members",
  title: "Members",
  async render(box, ctx) {
    const members = el("ul", { class: "items", id: "member-list", "data-empty": "Nobody but the admins." });
    const pending = el("ul", { class: "items", id: "invitation-list", "data-empty": "No pending invitation." });
    const link = el("div", { class: "secret-box", id: "invitation-link", hidden: true });
    const url = adminSite(ctx.domain) + "/members";

    function showMembers(list) {
      members.replaceChildren(...list.map((m) => el("li", { "data-member": m.email },
        el("span", { class: "grow" }, el("strong", { text: m.email }), " ",
          el("span", { class: "pill", text: m.role }), " ",
          m.two_factor ? el("span", { class: "pill ok", text: "2FA" }) : null),
        m.role === "admin" ? el("span", { class: "meta", text: "admins manage every site" })
          : button("Remove", async () => showMembers((await api("PUT", url, { email: m.email, role: null })).members),
            "control small", { "aria-label": `Remove ${m.email}` }))));
    }
    async function refreshInvitations() {
      const { invitations } = await get("/api/admin/invitations");
      pending.replaceChildren(...invitations.filter((i) => i.site === ctx.domain).map((i) => el("li", { "data-invitation": i.email },
        el("span", { class: "grow" }, el("strong", { text: i.email }), " ", el("span", { class: "pill", text: i.role }), " ",
          el("span", { class: "meta", text: `sent ${date(i.created_at)}, expires ${date(i.expires_at)}` })),
        button("Revoke", async () => {
          await api("DELETE", `/api/admin/invitations/${i.id}`);
          await refreshInvitations();
        }, "control small", { "aria-label": `Revoke the invitation of ${i.email}` }))));
    }

    const roleForm = el("form", { class: "form", novalidate: true, id: "role-form" },
      el("h3", { text: "Give an account a role" }),
      el("div", { class: "row" }, field({ label: "Email", name: "email", type: "email" }), field({ label: "Role", name: "role", options: ROLES })),
      el("p", { class: "form-error", role: "alert" }),
      el("div", { class: "actions" }, el("button", { class: "control", type: "submit", text: "Set role" })));
    onSubmit(roleForm, async (values) => {
      showMembers((await api("PUT", url, { email: values.email.trim(), role: values.role })).members);
      roleForm.reset();
    });

    const inviteForm = el("form", { class: "form", novalidate: true, id: "invite-form" },
      el("h3", { text: "Invite someone new" }),
      el("div", { class: "row" },
        field({ label: "Email", name: "email", type: "email" }),
        field({ label: "Role", name: "role", options: ROLES }),
        field({ label: "Expires after (days)", name: "expires_days", type: "number", value: "7", attrs: { min: "1", max: "30" } })),
      el("p", { class: "form-error", role: "alert" }),
      el("div", { class: "actions" }, el("button", { class: "control primary", type: "submit", text: "Create invitation" })));
    onSubmit(inviteForm, async (values) => {
      const made = await api("POST", "/api/admin/invitations", {
        email: values.email.trim(), site: ctx.domain, role: values.role, expires_days: Number(values.expires_days || 7),
      });
      const full = `${location.origin}${made.path}`;
      link.hidden = false;
      link.replaceChildren(
        el("strong", { text: `Send this link to ${made.email} (shown this once):` }),
        el("code", { class: "invitation-url", text: full }),
        el("div", { class: "actions" }, copyButton(() => full, "Copy link")));
      inviteForm.reset();
      await refreshInvitations();
    });

    box.append(members, roleForm, el("h3", { text: "Pending invitations" }), pending, link, inviteForm);
    showMembers((await get(url)).members);
    await refreshInvitations();
  },
};
