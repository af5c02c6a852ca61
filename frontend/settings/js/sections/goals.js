/* Goals: list, add (a page pattern or a custom event), remove (the goals API). */

import { api, get, site } from "../http.js";
import { button, el, field, onSubmit } from "../ui.js";

function describe(goal) {
  if (goal.kind === "event") {
    const prop = goal.property ? ` where ${goal.property.key} = ${goal.property.value}` : "";
    return `Event ${goal.event}${prop}`;
  }
  if (goal.kind === "scroll") return `Scrolled ${goal.scroll} % on ${goal.page}`;
  return `Page view of ${goal.page}`;
}

export default {
  id: "goals",
  title: "Goals",
  async render(box, ctx) {
    const list = el("ul", { class: "items", id: "goal-list", "data-empty": "No goal yet." });
    async function refresh() {
      const { goals } = await get(`${site(ctx.domain)}/goals`);
      list.replaceChildren(...goals.map((goal) => el("li", { "data-goal": goal.name },
        el("span", { class: "grow" }, el("strong", { text: goal.name }), " ", el("span", { class: "meta", text: describe(goal) })),
        button("Remove", async () => {
          await api("DELETE", `${site(ctx.domain)}/goals/${goal.id}`);
          await refresh();
        }, "control small", { "aria-label": `Remove the goal ${goal.name}` }))));
    }
    const kind = field({ label: "Kind", name: "kind", options: [["page", "Page view"], ["event", "Custom event"]] });
    const target = field({ label: "Page path or pattern", name: "target", help: "A path (/pricing) or a pattern (/blog/**); for an event, its name (Signup)." });
    kind.querySelector("select").addEventListener("change", (e) => {
      target.querySelector("label").textContent = e.target.value === "event" ? "Event name" : "Page path or pattern";
    });
    const form = el("form", { class: "form", novalidate: true, id: "goal-form" },
      el("h3", { text: "Add a goal" }),
      el("div", { class: "row" }, field({ label: "Name", name: "name" }), kind, target),
      el("p", { class: "form-error", role: "alert" }),
      el("div", { class: "actions" }, el("button", { class: "control primary", type: "submit", text: "Add goal" })));
    onSubmit(form, async (values) => {
      const body = { name: values.name.trim() };
      body[values.kind === "event" ? "event" : "page"] = values.target.trim();
      try {
        await api("POST", `${site(ctx.domain)}/goals`, body);
      } catch (problem) {
        if (problem.field === "page" || problem.field === "event") problem.field = "target";
        throw problem;
      }
      form.reset();
      await refresh();
    });
    box.append(el("p", { class: "muted", text: "Conversions count the past too: a goal is a definition over stored events." }), list, form);
    await refresh();
  },
};
