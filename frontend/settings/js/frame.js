/* The header every settings page shares, in the dashboard's design: the logo, the pages
   (Sites, Account, Admin for admins), the theme toggle (the dashboard's localStorage key, so
   the choice follows) and signing out. Resolves to /api/me. */

import { get } from "./http.js";
import { button, el } from "./ui.js";

function themeToggle() {
  const toggle = button("◐", () => {
    const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem("pulse-theme", next);
    } catch {
      /* storage disabled: the choice lasts this page */
    }
    label();
  }, "control icon", { id: "theme" });
  function label() {
    const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    toggle.setAttribute("aria-label", `Switch to ${next} theme`);
    toggle.title = `Switch to ${next} theme`;
  }
  label();
  return toggle;
}

export async function frame(current) {
  const me = await get("/api/me");
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const link = (href, text, key) =>
    el("a", { class: "control link", href, "aria-current": key === current ? "page" : null, text });
  const header = document.getElementById("frame");
  header.replaceChildren(
    el("div", { class: "brand" },
      el("span", { class: "logo", "aria-hidden": "true" }),
      el("a", { href: "/sites", text: "Pulse" })),
    el("nav", { class: "nav-links", "aria-label": "Pages" },
      link("/sites", "Sites", "sites"),
      me.user ? link("/account", "Account", "account") : null,
      me.admin ? link("/admin", "Admin", "admin") : null,
      themeToggle(),
      me.user ? el("form", { method: "post", action: "/logout", class: "inline-form" },
        el("input", { type: "hidden", name: "csrf_token", value: csrf }),
        el("button", { type: "submit", class: "control", text: "Sign out" })) : null),
  );
  return me;
}

export function siteDomain() {
  return document.querySelector('meta[name="pulse-site"]')?.content || "";
}
