/* Small DOM helpers the pages and sections share: elements, labelled fields, a copy button,
   form errors next to the field a 400 names, and "2 s ago". No framework, no inline handlers. */

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

let counter = 0;
/** A labelled field: {label, name, type, value, help, options: [[value, text]], attrs, class}
    (class "narrow": a short value, e.g. a number of days, not stretched across the row). */
export function field(spec) {
  const id = spec.id || `f-${spec.name}-${++counter}`;
  let input;
  if (spec.options) {
    input = el("select", { id, name: spec.name, class: "control", ...spec.attrs },
      spec.options.map(([value, text]) => el("option", { value, text, selected: value === spec.value })));
  } else if (spec.type === "textarea") {
    input = el("textarea", { id, name: spec.name, class: "control", rows: 3, ...spec.attrs });
    input.value = spec.value || "";
  } else {
    input = el("input", { id, name: spec.name, type: spec.type || "text", class: "control", autocomplete: "off", ...spec.attrs });
    if (spec.value !== undefined) input.value = spec.value;
  }
  const help = spec.help ? el("small", { id: `${id}-help`, class: "muted", text: spec.help }) : null;
  if (help) input.setAttribute("aria-describedby", help.id);
  return el("div", { class: spec.class ? `field ${spec.class}` : "field" }, el("label", { for: id, text: spec.label }), input, help);
}

export function button(text, onclick, cls = "control", attrs = {}) {
  return el("button", { type: "button", class: cls, onclick, ...attrs }, text);
}

/** Copies `text()` and says so on the button for a moment. */
export function copyButton(text, label = "Copy", attrs = {}) {
  const node = button(label, async () => {
    try {
      await navigator.clipboard.writeText(text());
      node.textContent = "Copied";
    } catch {
      node.textContent = "Select and copy";
    }
    setTimeout(() => { node.textContent = label; }, 1500);
  }, "control small", attrs);
  return node;
}

/** A button that asks before it acts: the first press shows `question` with "Yes" and
    "Cancel" in its place (focus moves to Cancel, Escape cancels); `action` runs on "Yes". */
export function confirmButton(text, question, action, attrs = {}) {
  const holder = el("span", { class: "confirm" });
  const first = button(text, () => ask(), "control small", attrs);
  function ask() {
    const cancel = button("Cancel", () => restore(), "control small");
    const yes = button(`Yes, ${text.toLowerCase()}`, async () => {
      yes.disabled = true;
      try {
        await action();
      } finally {
        if (holder.isConnected) restore();
      }
    }, "control small danger");
    holder.replaceChildren(el("span", { class: "question", role: "alert", text: question }), yes, cancel);
    holder.addEventListener("keydown", escape);
    cancel.focus();
  }
  function escape(event) {
    if (event.key === "Escape") restore();
  }
  function restore() {
    holder.removeEventListener("keydown", escape);
    holder.replaceChildren(first);
    first.focus();
  }
  holder.append(first);
  return holder;
}

/** A form's submit: values in, errors shown by the form (and the field a 400 names). */
export function onSubmit(form, handler) {
  const error = form.querySelector(".form-error") || form.appendChild(el("p", { class: "form-error", role: "alert" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
    const submit = form.querySelector("[type=submit]");
    if (submit) submit.disabled = true;
    try {
      await handler(Object.fromEntries(new FormData(form)));
    } catch (problem) {
      error.textContent = problem.message;
      const named = problem.field && form.querySelector(`[name="${CSS.escape(problem.field)}"]`);
      if (named) {
        named.setAttribute("aria-invalid", "true");
        named.focus();
      }
    } finally {
      if (submit) submit.disabled = false;
    }
  });
}

export function lines(text) {
  return String(text || "").split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
}

export function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

export function date(ms) {
  return new Date(ms).toLocaleDateString("en", { year: "numeric", month: "short", day: "numeric" });
}

export const number = (n) => new Intl.NumberFormat("en").format(n);
