/* Two-factor sign-in: start (a QR code and the secret for any authenticator app), confirm with
   a first code (then the ten recovery codes, shown once), or turn it off with the password. */

import { api, get } from "../http.js";
import { button, copyButton, el, field, onSubmit } from "../ui.js";

export default {
  id: "two-factor",
  title: "Two-factor sign-in",
  async render(box) {
    const body = el("div", { class: "two-factor" });
    box.append(body);

    async function show() {
      const { enabled } = await get("/api/account/totp");
      document.documentElement.dataset.twoFactor = String(enabled);
      if (enabled) return showOn();
      body.replaceChildren(
        el("p", { id: "totp-state", class: "muted", text: "Off: signing in asks for your password only." }),
        el("div", { class: "actions" }, button("Turn on two-factor sign-in", begin, "control primary", { id: "totp-begin" })));
    }

    function showOn(codes) {
      const off = el("form", { class: "form", novalidate: true, id: "totp-off" },
        field({ label: "Password (to turn it off)", name: "password", type: "password", attrs: { autocomplete: "current-password" } }),
        el("p", { class: "form-error", role: "alert" }),
        el("div", { class: "actions" }, el("button", { class: "control", type: "submit", text: "Turn off" })));
      onSubmit(off, async (values) => {
        await api("DELETE", "/api/account/totp", { password: values.password });
        await show();
      });
      body.replaceChildren(...[
        el("p", { id: "totp-state" }, el("span", { class: "pill ok", text: "On" }), " Signing in asks for a code from your authenticator app."),
        codes ? el("div", { class: "secret-box", id: "recovery" },
          el("strong", { text: "Recovery codes, shown this once: each signs in once if you lose the app." }),
          el("ol", { class: "codes" }, codes.map((c) => el("li", { text: c }))),
          el("div", { class: "actions" }, copyButton(() => codes.join("\n"), "Copy codes"))) : null,
        off,
      ].filter(Boolean));
    }

    async function begin() {
      const pending = await api("POST", "/api/account/totp");
      const confirm = el("form", { class: "form", novalidate: true, id: "totp-confirm" },
        field({ label: "Code from the app", name: "code", attrs: { inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6" } }),
        el("p", { class: "form-error", role: "alert" }),
        el("div", { class: "actions" },
          el("button", { class: "control primary", type: "submit", text: "Turn on" }),
          button("Cancel", show, "control")));
      onSubmit(confirm, async (values) => {
        const done = await api("POST", "/api/account/totp/enable", { code: values.code.trim() });
        document.documentElement.dataset.twoFactor = "true";
        showOn(done.recovery_codes);
      });
      body.replaceChildren(
        el("p", { text: "Scan this with an authenticator app (any that supports TOTP), or type the secret in:" }),
        el("div", { class: "row" },
          el("img", { class: "qr", src: pending.qr, alt: "QR code of the two-factor secret", width: "180", height: "180" }),
          el("div", { class: "field" }, el("span", { class: "label", text: "Secret" }),
            el("code", { id: "totp-secret", text: pending.secret }), copyButton(() => pending.secret, "Copy secret"))),
        confirm);
      confirm.querySelector("input").focus();
    }

    await show();
  },
};
