/* /sites/new: add a site (name, domain, time zone guessed from this browser), then on to its
   snippet and the live wait for the first visit (/sites/<domain>/setup). */

import { frame } from "./frame.js";
import { api } from "./http.js";
import { el, onSubmit } from "./ui.js";

function guessZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function zones() {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
}

async function main() {
  const me = await frame("sites");
  const form = document.getElementById("new-site");
  if (!me.admin) {
    form.replaceWith(el("p", { class: "notice", text: "Only an admin adds sites. Ask yours to add it and invite you." }));
    return;
  }
  document.getElementById("timezone").value = guessZone();
  document.getElementById("zones").replaceChildren(...zones().map((z) => el("option", { value: z })));
  const domain = document.getElementById("domain");
  // Pasted addresses are welcome: keep the host only.
  const host = (text) => text.trim().replace(/^[a-z]+:\/\//i, "").replace(/[/?#].*$/, "").toLowerCase();
  domain.addEventListener("change", () => { domain.value = host(domain.value); });
  onSubmit(form, async (values) => {
    const body = { domain: host(values.domain), timezone: values.timezone.trim() || "UTC", identity_mode: values.identity_mode };
    if (values.name.trim()) body.name = values.name.trim();
    const site = await api("POST", "/api/admin/sites", body);
    location.assign(`/sites/${encodeURIComponent(site.domain)}/setup`);
  });
  domain.focus();
  document.documentElement.dataset.ready = "1";
}

main();
