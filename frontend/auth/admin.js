/* /admin: the instance, for admins: users (roles per site, add, invite, delete), API tokens
   (created once, listed, revoked) and the instance settings (require two-factor, mail). One card
   per module, as the account and site settings pages; sites themselves live on /sites. */

import { frame } from "/assets/settings/js/frame.js";
import { el } from "/assets/settings/js/ui.js";
import users from "./admin/users.js";
import tokens from "./admin/tokens.js";
import instance from "./admin/instance.js";

const SECTIONS = [users, tokens, instance];

async function main() {
  const me = await frame("admin");
  document.getElementById("whoami").textContent = me.user ? me.user.email : me.kind;
  const holder = document.getElementById("sections");
  if (!me.admin) {
    document.getElementById("not-admin").hidden = false;
    document.documentElement.dataset.ready = "1";
    return;
  }
  const nav = document.getElementById("jump");
  for (const section of SECTIONS) {
    const heading = el("h2", { id: `${section.id}-heading`, text: section.title });
    const box = el("section", { class: "card", id: section.id, "aria-labelledby": heading.id }, heading);
    holder.append(box);
    nav.append(el("a", { class: "control small link", href: `#${section.id}`, text: section.title }));
    try {
      await section.render(box, { me });
    } catch (problem) {
      box.append(el("p", { class: "form-error", text: `Could not load: ${problem.message}` }));
    }
  }
  nav.hidden = false;
  document.documentElement.dataset.ready = "1";
}

main();
