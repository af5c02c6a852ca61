/* Rules: which hostnames count, and the IPs and paths never counted (one per line). */

import { adminSite, api } from "../http.js";
import { el, field, lines, onSubmit } from "../ui.js";

export default {
  id: "rules",
  title: "Rules",
  async render(box, ctx) {
    const site = ctx.site;
    const saved = el("p", { class: "form-ok", role: "status" });
    const form = el("form", { class: "form", novalidate: true },
      field({ label: "Allowed hostnames", name: "allowed_hostnames", type: "textarea", value: site.allowed_hostnames.join("\n"),
        help: "One per line (example.com, *.example.com). Empty: the site's domain and its subdomains." }),
      field({ label: "Excluded IP addresses", name: "excluded_ips", type: "textarea", value: site.excluded_ips.join("\n"),
        help: "One address or CIDR range per line (203.0.113.7, 10.0.0.0/8): their visits are not counted." }),
      field({ label: "Excluded paths", name: "excluded_paths", type: "textarea", value: site.excluded_paths.join("\n"),
        help: "One pattern per line (/admin/*, /preview/**)." }),
      el("p", { class: "form-error", role: "alert" }),
      saved,
      el("div", { class: "actions" }, el("button", { class: "control primary", type: "submit", text: "Save rules" })));
    onSubmit(form, async (values) => {
      saved.textContent = "";
      const body = {
        allowed_hostnames: lines(values.allowed_hostnames),
        excluded_ips: lines(values.excluded_ips),
        excluded_paths: lines(values.excluded_paths),
      };
      Object.assign(ctx.site, await api("PATCH", adminSite(ctx.domain), body));
      saved.textContent = "Saved: new events follow these rules.";
    });
    box.append(form);
  },
};
