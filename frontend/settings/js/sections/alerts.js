/* Alerts: the site's rules (spike, drop, event, active-now) with a webhook each, add/remove,
   a test send, and each rule's delivery log with the status codes the webhook answered. */

import { api, get, site } from "../http.js";
import { button, date, el, field, onSubmit } from "../ui.js";

function describe(rule) {
  if (rule.kind === "active") return `Active now ≥ ${rule.threshold}`;
  if (rule.kind === "event") return `Event ${rule.event || rule.goal}`;
  const level = rule.factor ? `${rule.factor}× the usual` : `${rule.threshold}`;
  return `${rule.kind === "spike" ? "Spike" : "Drop"}: page views in ${rule.minutes} min ${rule.kind === "spike" ? "≥" : "≤"} ${level}`;
}

function log(rows) {
  if (!rows.length) return el("p", { class: "muted", text: "No delivery yet." });
  return el("table", { class: "log" },
    el("thead", {}, el("tr", {}, ["When", "Attempt", "Status", "Time"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows.map((d) => el("tr", {},
      el("td", { text: `${date(d.sent_at)} ${new Date(d.sent_at).toLocaleTimeString("en")}${d.test ? " (test)" : ""}` }),
      el("td", { text: String(d.attempt) }),
      el("td", {}, el("span", { class: `pill ${d.status_code && d.status_code < 300 ? "ok" : "bad"}`, text: d.status_code ? String(d.status_code) : d.error || "error" })),
      el("td", { text: d.duration_ms === null ? "–" : `${Math.round(d.duration_ms)} ms` })))));
}

export default {
  id: "alerts",
  title: "Alerts",
  async render(box, ctx) {
    const base = `${site(ctx.domain)}/alerts`;
    const list = el("ul", { class: "items", id: "alert-list", "data-empty": "No alert yet." });
    const secret = el("div", { class: "secret-box", hidden: true });
    async function refresh() {
      const { alerts } = await get(base);
      list.replaceChildren(...alerts.map((rule) => {
        const holder = el("div", { class: "delivery-log", hidden: true });
        const show = button("Delivery log", async () => {
          holder.hidden = !holder.hidden;
          show.setAttribute("aria-expanded", String(!holder.hidden));
          if (!holder.hidden) holder.replaceChildren(log((await get(`${base}/${rule.id}/deliveries`)).deliveries));
        }, "control small", { "aria-expanded": "false" });
        return el("li", { "data-alert": rule.name },
          el("span", { class: "grow" }, el("strong", { text: rule.name }), " ",
            el("span", { class: "meta", text: `${describe(rule)} → ${rule.channel.url}` })),
          show,
          button("Send a test", async () => {
            await api("POST", `${base}/${rule.id}/test`);
            holder.hidden = false;
            holder.replaceChildren(log((await get(`${base}/${rule.id}/deliveries`)).deliveries));
          }, "control small"),
          button("Remove", async () => {
            await api("DELETE", `${base}/${rule.id}`);
            await refresh();
          }, "control small", { "aria-label": `Remove the alert ${rule.name}` }),
          el("div", { style: null, class: "grow-full" }, holder));
      }));
    }
    const kind = field({ label: "When", name: "kind", options: [["spike", "Traffic spikes"], ["drop", "Traffic drops"], ["active", "Active now reaches"], ["event", "An event happens"]] });
    const threshold = field({ label: "Threshold", name: "threshold", type: "number", value: "100", attrs: { min: "0" }, help: "Page views (spike, drop) or visitors (active now)." });
    const minutes = field({ label: "Minutes", name: "minutes", type: "number", value: "5", attrs: { min: "1" } });
    const eventName = field({ label: "Event name", name: "event", help: "Alert when this custom event is seen." });
    function fit() {
      // Only the fields the chosen kind of rule takes.
      const chosen = kind.querySelector("select").value;
      threshold.hidden = chosen === "event";
      minutes.hidden = chosen !== "spike" && chosen !== "drop";
      eventName.hidden = chosen !== "event";
    }
    kind.querySelector("select").addEventListener("change", fit);
    const form = el("form", { class: "form", novalidate: true, id: "alert-form" },
      el("h3", { text: "Add an alert" }),
      el("div", { class: "row" }, field({ label: "Name", name: "name" }), kind, threshold, minutes, eventName),
      field({ label: "Webhook URL", name: "url", type: "url", help: "Receives a signed JSON POST (X-Pulse-Signature)." }),
      el("p", { class: "form-error", role: "alert" }),
      el("div", { class: "actions" }, el("button", { class: "control primary", type: "submit", text: "Add alert" })));
    onSubmit(form, async (values) => {
      const body = { name: values.name.trim(), kind: values.kind, channel: { type: "webhook", url: values.url.trim() } };
      if (values.kind === "spike" || values.kind === "drop") {
        body.minutes = Number(values.minutes);
        body.threshold = Number(values.threshold);
      } else if (values.kind === "active") {
        body.threshold = Number(values.threshold);
      } else {
        body.event = values.event.trim();
      }
      let made;
      try {
        made = await api("POST", base, body);
      } catch (problem) {
        if (problem.field === "channel.url") problem.field = "url";
        throw problem;
      }
      secret.hidden = false;
      secret.replaceChildren(el("strong", { text: "The webhook's signing secret, shown this once:" }), el("code", { text: made.channel.secret }));
      form.reset();
      fit();
      await refresh();
    });
    fit();
    box.append(list, secret, form);
    await refresh();
  },
};
