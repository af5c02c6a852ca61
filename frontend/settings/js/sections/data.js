/* Data: how long raw events are kept (`keep_raw_days`, PATCH the site), the history imported
   from Plausible or Umami (list, upload — the same importer as `pulse import`, so a bad file
   is a 400 naming file, line and column —, remove), and where an export comes from
   (`pulse export`: there is no HTTP export). */

import { adminSite, api, get, site } from "../http.js";
import { confirmButton, copyButton, date, el, field, number, onSubmit } from "../ui.js";

const SOURCES = [["plausible", "Plausible (the export ZIP or its CSV files)"], ["umami", "Umami (website_event CSV of its data export)"]];

function retention(box, ctx) {
  const saved = el("p", { class: "form-ok", role: "status" });
  const purged = el("p", { class: "meta", id: "raw-purged" });
  function showPurged() {
    const before = ctx.site.raw_purged_before;
    purged.textContent = before ? `Raw events before ${date(before)} have been purged.` : "";
  }
  const form = el("form", { class: "form", novalidate: true, id: "retention-form" },
    el("h3", { text: "Raw-event retention" }),
    el("div", { class: "row" },
      field({ label: "Keep raw events for (days)", name: "keep_raw_days", type: "number", class: "narrow", value: ctx.site.keep_raw_days ?? "",
        attrs: { min: "2", step: "1", inputmode: "numeric", placeholder: "forever" },
        help: "Empty: forever; at least 2." })),
    el("div", { class: "help" },
      el("p", { text: "An hourly job deletes the raw events and sessions from before the UTC midnight that many days back." }),
      el("p", { text: "What stays for the purged period: summaries, time series, breakdowns, flows and retention cohorts, unfiltered, and filtered ones where the hourly sealed columns answer them." }),
      el("p", { text: "What becomes partial: a report over the purged days that needs the raw rows — a goal filter, a filter only the stored events answer (?explain=1 shows the SQL path), a period ending mid-hour (time zones such as +05:30) — counts only what is left and says \"raw events purged before <date>\"." })),
    purged,
    el("p", { class: "form-error", role: "alert" }),
    saved,
    el("div", { class: "actions" }, el("button", { class: "control primary", type: "submit", text: "Save retention" })));
  onSubmit(form, async (values) => {
    saved.textContent = "";
    const text = values.keep_raw_days.trim();
    const days = text === "" ? null : Number(text);
    try {
      Object.assign(ctx.site, await api("PATCH", adminSite(ctx.domain), { keep_raw_days: days }));
    } catch (problem) {
      problem.field = "keep_raw_days"; // the site's PATCH names no field: this form has one
      throw problem;
    }
    saved.textContent = ctx.site.keep_raw_days ? `Saved: raw events are kept ${ctx.site.keep_raw_days} days.` : "Saved: raw events are kept forever.";
    showPurged();
  });
  showPurged();
  box.append(form);
}

function describe(item) {
  const days = item.first_day ? `${item.first_day} – ${item.last_day}` : "no day";
  return `${days} · ${number(item.days)} days · ${number(item.rows)} rows · imported ${date(item.created_at)}`;
}

async function imports(box, ctx) {
  const base = `${site(ctx.domain)}/imports`;
  const list = el("ul", { class: "items", id: "import-list", "data-empty": "Nothing imported yet." });
  const done = el("p", { class: "form-ok", role: "status" });
  async function refresh() {
    const { imports: found } = await get(base);
    list.replaceChildren(...found.map((item) => el("li", { "data-import": item.id, "data-source": item.source },
      el("span", { class: "grow" },
        el("span", { class: "pill", text: item.source === "umami" ? "Umami" : "Plausible" }), " ",
        el("span", { class: "import-days", text: describe(item) }),
        item.skipped_days.length ? el("span", { class: "meta skipped", title: item.skipped_days.join(", "),
          text: ` · ${item.skipped_days.length} days skipped (Pulse's own data covers them)` }) : null),
      confirmButton("Remove", `Remove this import and its ${number(item.rows)} rows?`, async () => {
        await api("DELETE", `${base}/${item.id}`);
        await refresh();
      }, { "aria-label": `Remove the ${item.source} import of ${describe(item)}` }))));
  }
  const form = el("form", { class: "form", novalidate: true, id: "import-form" },
    el("h3", { text: "Import history" }),
    el("div", { class: "row" },
      field({ label: "From", name: "source", options: SOURCES }),
      field({ label: "Export files", name: "file", type: "file", attrs: { multiple: true, accept: ".zip,.csv,text/csv,application/zip" },
        help: "Plausible: the ZIP from Site settings › Imports & exports, or its imported_*.csv files. Umami: website_event.csv. At most 64 MiB." })),
    el("p", { class: "muted", text: "Days Pulse already has its own data for are skipped. A file with a mistake imports nothing and says where it is." }),
    el("p", { class: "form-error", role: "alert" }),
    done,
    el("div", { class: "actions" }, el("button", { class: "control primary", type: "submit", text: "Upload and import" })));
  onSubmit(form, async () => {
    done.textContent = "";
    const upload = new FormData(form);
    if (!form.querySelector("input[type=file]").files.length) {
      const problem = new Error("Choose the export's files first.");
      problem.field = "file";
      throw problem;
    }
    const made = await api("POST", base, upload);
    done.textContent = `Imported ${number(made.days)} days (${number(made.rows)} rows)` +
      (made.skipped_days.length ? `; skipped ${made.skipped_days.length} days Pulse already covers.` : ".");
    form.reset();
    await refresh();
  });
  box.append(el("h3", { text: "Imported history" }), list, form);
  await refresh();
}

function exporting(box, ctx) {
  const command = `pulse export ${ctx.domain}.zip --site ${ctx.domain}`;
  box.append(el("h3", { text: "Export" }),
    el("p", {}, "Exports run on the server with ", el("code", { text: "pulse export" }),
      ": Plausible's CSV format (a ZIP of the ten imported_* tables), or the raw events as one CSV with ",
      el("code", { text: "--raw" }), "; ", el("code", { text: "--from" }), " and ", el("code", { text: "--to" }),
      " limit the days. See “The pulse command” in the README."),
    el("div", { class: "snippet" }, el("pre", {}, el("code", { id: "export-command", text: command })),
      el("div", { class: "actions" }, copyButton(() => command, "Copy command"))));
}

export default {
  id: "data",
  title: "Data",
  async render(box, ctx) {
    retention(box, ctx);
    await imports(box, ctx);
    exporting(box, ctx);
  },
};
