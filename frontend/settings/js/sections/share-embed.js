/* A share link's embed panel (for sections/shares.js): the origins allowed to frame its embeds
   (`embed_origins`, PATCH /api/admin/shares/<id>), its locked filter, and copy-paste snippets
   (README "Embeds and kiosk"): the whole dashboard in an iframe, the live card, the counter,
   and the <pulse-live> web component, in the chosen theme. Embeds need a link without a
   password: the slug is the grant, as a frame on another site sends no cookies. */

import { api } from "../http.js";
import { copyButton, el, field, lines, onSubmit } from "../ui.js";

const THEMES = [["light", "Light"], ["dark", "Dark"], ["transparent", "Transparent (the host page's colours)"]];

/** The snippets for one link and theme: [id, title, code]. */
export function snippets(link, theme, origin = location.origin) {
  const base = `${origin}/share/${link.slug}`;
  const frame = (src, width, height) => `<iframe src="${src}" width="${width}" height="${height}" style="border:0"></iframe>`;
  return [
    ["dashboard", "The whole dashboard (iframe)", frame(`${base}?embed=1&theme=${theme}`, "100%", "900")],
    ["card", "Live card (iframe)", frame(`${base}/live-card?theme=${theme}`, "380", "190")],
    ["counter", "Live counter (iframe)", frame(`${base}/counter?theme=${theme}`, "220", "70")],
    ["component", "Web component (counter or card, no iframe)",
      `<script defer src="${origin}/embed.js"></script>\n` +
      `<pulse-live share="${link.slug}" kind="counter" theme="${theme}"></pulse-live>\n` +
      `<pulse-live share="${link.slug}" kind="card" theme="${theme}" site="${link.domain}"></pulse-live>`],
  ];
}

function originsForm(link, changed) {
  const saved = el("p", { class: "form-ok", role: "status" });
  const form = el("form", { class: "form", novalidate: true, "data-origins": link.slug },
    field({ label: "Sites allowed to embed it", name: "embed_origins", type: "textarea", value: link.embed_origins.join("\n"),
      help: "One origin per line: https://blog.example.com, or https://*.example.com for its subdomains. Empty: no other site may frame it." }),
    el("p", { class: "form-error", role: "alert" }),
    saved,
    el("div", { class: "actions" }, el("button", { class: "control", type: "submit", text: "Save origins" })));
  onSubmit(form, async (values) => {
    saved.textContent = "";
    const updated = await api("PATCH", `/api/admin/shares/${link.id}`, { embed_origins: lines(values.embed_origins) });
    form.querySelector("textarea").value = updated.embed_origins.join("\n");
    saved.textContent = updated.embed_origins.length ? `Saved: ${updated.embed_origins.length} origin(s) may embed it.` : "Saved: no other site may embed it.";
    changed(updated);
  });
  return form;
}

function snippetList(link) {
  const theme = field({ label: "Theme", name: "theme", options: THEMES, value: "light", class: "narrow" });
  const holder = el("div", { class: "snippets" });
  function draw() {
    holder.replaceChildren(...snippets(link, theme.querySelector("select").value).map(([id, title, code]) =>
      el("div", { class: "snippet", "data-snippet": id },
        el("div", { class: "snippet-head" }, el("strong", { text: title }),
          copyButton(() => code, "Copy", { "aria-label": `Copy the ${title} snippet` })),
        el("pre", {}, el("code", { text: code })))));
  }
  theme.querySelector("select").addEventListener("change", draw);
  draw();
  return [el("div", { class: "row" }, theme), holder];
}

/** The panel's content for `link`; `changed(link)` gets the link after a save. */
export function embedPanel(link, changed = () => {}) {
  const locked = link.filter
    ? el("p", {}, "Locked to ", el("code", { class: "locked-filter", text: link.filter }),
      ": every report and live number it shows is filtered by it.")
    : el("p", { class: "muted", text: "No locked filter: it shows the whole site." });
  if (link.has_password) {
    return [locked, el("p", { class: "notice", text: "Embeds need a link without a password (a frame on another site cannot type it). Create one without a password to embed." })];
  }
  return [locked, originsForm(link, changed), el("h4", { text: "Snippets" }), ...snippetList(link)];
}
