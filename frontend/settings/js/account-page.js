/* /account: one card per module (password, two-factor); an admin finds the instance (users,
   API tokens, require two-factor, mail) on /admin, linked from here.
   ?enrol=1 is where the guard sends a user the "require two-factor" setting stops. */

import { frame } from "./frame.js";
import { el } from "./ui.js";
import password from "./account/password.js";
import twoFactor from "./account/two-factor.js";

const SECTIONS = [twoFactor, password];

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
    const heading = el("h2", { id: `${section.id}-heading`, text: section.title });
    const box = el("section", { class: "card", id: section.id, "aria-labelledby": heading.id }, heading);
    holder.append(box);
    try {
      await section.render(box, { me });
    } catch (problem) {
      box.append(el("p", { class: "form-error", text: `Could not load: ${problem.message}` }));
    }
  }
  if (me.admin) {
    holder.append(el("section", { class: "card", id: "instance-link" },
      el("h2", { text: "Instance" }),
      el("p", {}, "Users, API tokens, required two-factor sign-in and mail: ", el("a", { href: "/admin", text: "Administration" }), ".")));
  }
  document.documentElement.dataset.ready = "1";
}

main();
