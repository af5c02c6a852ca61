/* General: name, time zone, visitor identity mode, Umami website id (PATCH the site). */

import { adminSite, api } from "../http.js";
import { el, field, onSubmit } from "../ui.js";

export default {
  id: "general",
  title: "General",
  async render(box, ctx) {
    const site = ctx.site;
    const saved = el("p", { class: "form-ok", role: "status" });
    const form = el("form", { class: "form", novalidate: true },
      el("div", { class: "row" },
        field({ label: "Name", name: "name", value: site.name }),
        field({ label: "Time zone", name: "timezone", value: site.timezone, help: "Reports count days and hours in it.", attrs: { list: "zone-list" } })),
      el("datalist", { id: "zone-list" }, (Intl.supportedValuesOf?.("timeZone") || []).map((z) => el("option", { value: z }))),
      el("div", { class: "row" },
        field({
          label: "Visitor identity", name: "identity_mode", value: site.identity_mode,
          options: [["local", "Local: an anonymous id in the browser"], ["cookieless", "Cookieless: a daily hash, nothing stored"]],
        }),
        field({ label: "Umami website id (optional)", name: "umami_id", value: site.umami_id || "", help: "Keeps Umami's tags working unchanged." })),
      el("p", { class: "form-error", role: "alert" }),
      saved,
      el("div", { class: "actions" }, el("button", { class: "control primary", type: "submit", text: "Save" })));
    onSubmit(form, async (values) => {
      saved.textContent = "";
      const body = { name: values.name, timezone: values.timezone, identity_mode: values.identity_mode, umami_id: values.umami_id.trim() };
      Object.assign(ctx.site, await api("PATCH", adminSite(ctx.domain), body));
      saved.textContent = "Saved.";
    });
    box.append(form);
  },
};
