/* Danger zone: delete the site with all its data, once its domain is typed (admins). */

import { adminSite, api } from "../http.js";
import { el, field, onSubmit } from "../ui.js";

export default {
  id: "danger",
  title: "Danger zone",
  admin: true,
  async render(box, ctx) {
    const confirm = field({ label: `Type ${ctx.domain} to confirm`, name: "confirm", attrs: { autocomplete: "off", spellcheck: "false" } });
    const remove = el("button", { class: "control danger", type: "submit", disabled: true, text: "Delete this site and its data" });
    const form = el("form", { class: "form", novalidate: true, id: "delete-form" }, confirm,
      el("p", { class: "form-error", role: "alert" }), el("div", { class: "actions" }, remove));
    const input = confirm.querySelector("input");
    input.addEventListener("input", () => { remove.disabled = input.value.trim() !== ctx.domain; });
    onSubmit(form, async (values) => {
      if (values.confirm.trim() !== ctx.domain) return;
      await api("DELETE", adminSite(ctx.domain));
      location.assign("/sites");
    });
    box.append(el("p", { class: "muted", text: "Every event, session, report, goal, alert and share link of the site goes. There is no undo." }), form);
  },
};
