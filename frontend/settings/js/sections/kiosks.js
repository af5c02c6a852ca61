/* Wall links (kiosk): the live wall display for a screen nobody signs in to. List (label,
   locked filter, created), create (label, optional locked filter), revoke. The /kiosk/<token>
   URL is in the create answer only (the server keeps its SHA-256): it is shown once, with copy
   and open, and cannot be shown again. */

import { adminSite, api, get } from "../http.js";
import { button, copyButton, date, el, field, onSubmit } from "../ui.js";

export default {
  id: "kiosks",
  title: "Wall links",
  async render(box, ctx) {
    const list = el("ul", { class: "items", id: "kiosk-list", "data-empty": "No wall link yet." });
    const fresh = el("div", { class: "secret-box", id: "kiosk-link", hidden: true });
    async function refresh() {
      const kiosks = (await get(`${adminSite(ctx.domain)}/kiosks`)).filter((k) => k.revoked_at === null);
      list.replaceChildren(...kiosks.map((kiosk) => {
        const name = kiosk.label || `Wall link ${kiosk.id}`;
        return el("li", { "data-kiosk": kiosk.id },
          el("span", { class: "grow" }, el("strong", { text: name }), " ",
            el("span", { class: "meta", text: `created ${date(kiosk.created_at)}` }), " ",
            kiosk.filter ? el("span", { class: "pill", title: "Locked filter", text: kiosk.filter }) : null),
          button("Revoke", async () => {
            await api("DELETE", `/api/admin/kiosks/${kiosk.id}`);
            fresh.hidden = true;
            await refresh();
          }, "control small", { "aria-label": `Revoke ${name}: its screens close` }));
      }));
    }
    const form = el("form", { class: "form", novalidate: true, id: "kiosk-form" },
      el("h3", { text: "New wall link" }),
      el("div", { class: "row" },
        field({ label: "Label (optional)", name: "label", help: "Where the screen is, e.g. Lobby TV.", attrs: { maxlength: "200" } }),
        field({ label: "Locked filter (optional)", name: "filter", help: "The dashboard's filter syntax, e.g. page=~/shop: the wall shows only that." })),
      el("p", { class: "form-error", role: "alert" }),
      el("div", { class: "actions" }, el("button", { class: "control primary", type: "submit", text: "Create wall link" })));
    onSubmit(form, async (values) => {
      const body = { label: values.label.trim() };
      if (values.filter.trim()) body.filter = values.filter.trim();
      const made = await api("POST", `${adminSite(ctx.domain)}/kiosks`, body);
      const url = `${location.origin}${made.path}`;
      fresh.hidden = false;
      fresh.replaceChildren(
        el("strong", { text: "Open this on the screen. It is shown this once: copy it now." }),
        el("code", { class: "kiosk-url", text: url }),
        el("div", { class: "actions" },
          copyButton(() => url, "Copy link"),
          el("a", { class: "control small link", href: url, target: "_blank", rel: "noopener", text: "Open the wall" })));
      form.reset();
      await refresh();
    });
    box.append(el("p", { class: "muted", text: "A wall link opens the live view on a TV or a lobby screen without signing in: the link is the key. Revoking it closes the screens that use it." }),
      list, fresh, form);
    await refresh();
  },
};
