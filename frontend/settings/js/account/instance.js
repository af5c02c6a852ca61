/* Instance (admins): require two-factor sign-in of every user; users and API tokens on /admin. */

import { api, get } from "../http.js";
import { el } from "../ui.js";

export default {
  id: "instance",
  title: "Instance",
  admin: true,
  async render(box) {
    const settings = await get("/api/admin/instance");
    const saved = el("p", { class: "form-ok", role: "status" });
    const error = el("p", { class: "form-error", role: "alert" });
    const box2 = el("input", { type: "checkbox", id: "require-2fa", checked: settings.require_two_factor });
    box2.addEventListener("change", async () => {
      saved.textContent = error.textContent = "";
      try {
        const now = await api("PATCH", "/api/admin/instance", { require_two_factor: box2.checked });
        box2.checked = now.require_two_factor;
        saved.textContent = now.require_two_factor
          ? "Saved: users without two-factor are sent to turn it on at their next page."
          : "Saved: two-factor is optional.";
      } catch (problem) {
        box2.checked = !box2.checked;
        error.textContent = problem.message;
      }
    });
    box.append(
      el("label", { class: "checkbox", for: "require-2fa" }, box2, "Require two-factor sign-in for every user"),
      saved, error,
      el("p", { class: "muted" }, "Everything on one page, as before: ", el("a", { href: "/admin", text: "Administration" }), "."));
  },
};
