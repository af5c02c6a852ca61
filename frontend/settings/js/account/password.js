/* Change password: the current one, the new one twice; every other session ends. */

import { api } from "../http.js";
import { el, field, onSubmit } from "../ui.js";

export default {
  id: "password",
  title: "Password",
  async render(box) {
    const saved = el("p", { class: "form-ok", role: "status" });
    const form = el("form", { class: "form", novalidate: true, id: "password-form" },
      field({ label: "Current password", name: "current_password", type: "password", attrs: { autocomplete: "current-password" } }),
      field({ label: "New password", name: "new_password", type: "password", help: "At least 10 characters; common passwords are refused.", attrs: { autocomplete: "new-password" } }),
      field({ label: "New password again", name: "repeat", type: "password", attrs: { autocomplete: "new-password" } }),
      el("p", { class: "form-error", role: "alert" }), saved,
      el("div", { class: "actions" }, el("button", { class: "control primary", type: "submit", text: "Change password" })));
    onSubmit(form, async (values) => {
      saved.textContent = "";
      if (values.new_password !== values.repeat) {
        const problem = new Error("The two new passwords differ.");
        problem.field = "repeat";
        throw problem;
      }
      await api("POST", "/api/account/password", { current_password: values.current_password, new_password: values.new_password });
      form.reset();
      saved.textContent = "Changed: your other sessions have ended.";
    });
    box.append(form);
  },
};
