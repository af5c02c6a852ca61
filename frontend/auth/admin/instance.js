/* Instance (admins): require two-factor sign-in of every user; mail as the environment sets it
   (PULSE_SMTP_URL, PULSE_SMTP_FROM: read-only here) and a test message to the admin's own
   address, which proves the whole way to an inbox. */

import { api, get } from "/assets/settings/js/http.js";
import { button, el, field } from "/assets/settings/js/ui.js";

function twoFactor(settings) {
  const saved = el("p", { class: "form-ok", role: "status", id: "require-2fa-saved" });
  const error = el("p", { class: "form-error", role: "alert", id: "require-2fa-error" });
  const box = el("input", { type: "checkbox", id: "require-2fa", checked: settings.require_two_factor });
  box.addEventListener("change", async () => {
    saved.textContent = error.textContent = "";
    try {
      const now = await api("PATCH", "/api/admin/instance", { require_two_factor: box.checked });
      box.checked = now.require_two_factor;
      saved.textContent = now.require_two_factor
        ? "Saved: users without two-factor are sent to turn it on at their next page."
        : "Saved: two-factor is optional.";
    } catch (problem) {
      box.checked = !box.checked;
      error.textContent = problem.message;
    }
  });
  return [el("label", { class: "checkbox", for: "require-2fa" }, box, "Require two-factor sign-in for every user"), saved, error];
}

function mail(settings, me) {
  const { configured, from_address: from, server } = settings.mail;
  const readOnly = { readonly: true, autocomplete: "off" };
  const result = el("p", { class: "form-ok", role: "status", id: "test-email-result" });
  const error = el("p", { class: "form-error", role: "alert", id: "test-email-error" });
  const send = button("Send a test email", async () => {
    result.textContent = error.textContent = "";
    send.disabled = true;
    try {
      const sent = await api("POST", "/api/admin/instance/test-email");
      result.textContent = `Sent to ${sent.sent_to}: check that inbox (and its spam folder).`;
    } catch (problem) {
      error.textContent = problem.message;
    } finally {
      send.disabled = !configured || !me.user;
    }
  }, "control", { id: "test-email", disabled: !configured || !me.user });
  return el("div", { class: "form" },
    el("h3", { text: "Mail" }),
    el("p", { class: "muted" }, "Set in the server's environment (", el("code", { text: "PULSE_SMTP_URL" }), ", ",
      el("code", { text: "PULSE_SMTP_FROM" }), "); shown here, changed there."),
    el("div", { class: "row" },
      field({ label: "Status", name: "smtp_status", value: configured ? "Configured" : "Not configured: no email is sent", id: "smtp-status", attrs: readOnly }),
      field({ label: "Server", name: "smtp_server", value: server || "—", id: "smtp-server", attrs: readOnly })),
    field({ label: "From address", name: "smtp_from", value: from, id: "smtp-from", attrs: readOnly }),
    el("div", { class: "actions" }, send,
      me.user ? el("span", { class: "muted", text: `to ${me.user.email}` }) : null),
    result, error);
}

export default {
  id: "instance",
  title: "Instance",
  async render(box, ctx) {
    const settings = await get("/api/admin/instance");
    box.append(...twoFactor(settings), mail(settings, ctx.me));
  },
};
