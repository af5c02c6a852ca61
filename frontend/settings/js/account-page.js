/* /account: one card per module (password, two-factor; for admins the instance settings).
   ?enrol=1 is where the guard sends a user the "require two-factor" setting stops. */

import { frame } from "./frame.js";
import { el } from "./ui.js";
import password from "./account/password.js";
import twoFactor from "./account/two-factor.js";
import instance from "./account/instance.js";
import users from "./account/users.js";
import tokens from "./account/tokens.js";

const SECTIONS = [twoFactor, password, instance, users, tokens];

async function main() {
  const me = await frame("account");
  if (!me.user) {
    document.getElementById("sections").append(el("p", { class: "notice", text: "Only a signed-in user has an account (not an API token or a share link)." }));
    return;
  }
  document.getElementById("whoami").textContent = me.user.email;
  document.getElementById("enrol").hidden = !new URLSearchParams(location.search).has("enrol");
  const first = me.sites[0];
  document.getElementById("back").href = first ? `/?site=${encodeURIComponent(first.domain)}` : "/sites";
  const holder = document.getElementById("sections");
  for (const section of SECTIONS) {
    if (section.admin && !me.admin) continue;
    const heading = el("h2", { id: `${section.id}-heading`, text: section.title });
    const box = el("section", { class: "card", id: section.id, "aria-labelledby": heading.id }, heading);
    holder.append(box);
    try {
      await section.render(box, { me });
    } catch (problem) {
      box.append(el("p", { class: "form-error", text: `Could not load: ${problem.message}` }));
    }
  }
  document.documentElement.dataset.ready = "1";
}

main();
