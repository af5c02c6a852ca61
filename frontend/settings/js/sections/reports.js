/* Email reports: the site's scheduled reports (recipient, weekly or monthly, the hour in the
   site's time zone, the next send), add one, remove one; says so when the instance has no SMTP
   server (`smtp_configured` in the list's answer), as then nothing can be sent. */

import { api, get, site } from "../http.js";
import { button, date, el, field, onSubmit } from "../ui.js";

const INTERVALS = [["weekly", "Weekly (Mondays)"], ["monthly", "Monthly (on the 1st)"]];
const HOURS = Array.from({ length: 24 }, (_, h) => [String(h), `${String(h).padStart(2, "0")}:00`]);

function describe(report, timezone) {
  const hour = `${String(report.hour).padStart(2, "0")}:00 ${timezone}`;
  const sent = report.last_sent_at ? `, last sent ${date(report.last_sent_at)}` : "";
  return `${report.interval === "monthly" ? "Monthly" : "Weekly"} at ${hour}, next ${date(report.next_send_ms)}${sent}`;
}

export default {
  id: "reports",
  title: "Email reports",
  async render(box, ctx) {
    const base = `${site(ctx.domain)}/email-reports`;
    const list = el("ul", { class: "items", id: "report-list", "data-empty": "No scheduled report yet." });
    const noMail = el("p", { class: "notice", id: "no-smtp", role: "note", hidden: true,
      text: "This server has no SMTP server configured (PULSE_SMTP_URL), so it cannot send reports yet. Ask the person who runs Pulse to set it." });
    async function refresh() {
      const { email_reports: reports, smtp_configured: smtp } = await get(base);
      noMail.hidden = smtp;
      form.querySelector("[type=submit]").disabled = !smtp;
      list.replaceChildren(...reports.map((report) => el("li", { "data-report": report.email },
        el("span", { class: "grow" }, el("strong", { text: report.email }), " ",
          el("span", { class: "meta", text: describe(report, ctx.site.timezone) }), " ",
          report.last_error ? el("span", { class: "pill bad", title: report.last_error, text: "last send failed" }) : null),
        button("Remove", async () => {
          await api("DELETE", `${base}/${report.id}`);
          await refresh();
        }, "control small", { "aria-label": `Remove the report to ${report.email}` }))));
    }
    const form = el("form", { class: "form", novalidate: true, id: "report-form" },
      el("h3", { text: "Schedule a report" }),
      el("div", { class: "row" },
        field({ label: "Recipient", name: "email", type: "email", attrs: { autocomplete: "email" } }),
        field({ label: "How often", name: "interval", options: INTERVALS }),
        field({ label: "Hour", name: "hour", options: HOURS, value: "8", help: `In the site's time zone (${ctx.site.timezone}).` })),
      el("p", { class: "form-error", role: "alert" }),
      el("div", { class: "actions" }, el("button", { class: "control primary", type: "submit", text: "Add report" })));
    onSubmit(form, async (values) => {
      await api("POST", base, { email: values.email.trim(), interval: values.interval, hour: Number(values.hour) });
      form.reset();
      await refresh();
    });
    box.append(el("p", { class: "muted", text: "The last complete week or month by email: visitors, page views, bounce rate, visit duration, visitors per day, top pages, sources, countries and goals. Every email has an unsubscribe link." }),
      noMail, list, form);
    await refresh();
  },
};
