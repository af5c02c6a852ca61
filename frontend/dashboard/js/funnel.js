/* The funnel builder: 2-8 steps (a page path or event:Name), kept in the URL's `funnel` so a
   link reproduces it; funnel?steps= answers visitors, conversion from the step before, overall
   conversion and drop-off per step. Suggestions come from the period's top pages and events. */

import { isPageError, markLoading, markReady, panelErrorText } from "./page-state.js";
import { load, reportUrl } from "./api.js";
import { exact, percent } from "./format.js";
import { update } from "./state.js";

const MIN_STEPS = 2;
const MAX_STEPS = 8;

function stepsOf(view) {
  return view.funnel ? view.funnel.split(",").map((s) => s.trim()).filter(Boolean) : [];
}

function stepInput(value, index) {
  const item = document.createElement("li");
  const label = document.createElement("label");
  label.className = "visually-hidden";
  label.htmlFor = `funnel-step-${index}`;
  label.textContent = `Step ${index + 1}`;
  const input = document.createElement("input");
  input.id = `funnel-step-${index}`;
  input.className = "control";
  input.value = value;
  input.placeholder = index === 0 ? "/pricing" : "event:Signup";
  input.setAttribute("list", "funnel-options");
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "link-button";
  remove.textContent = "×";
  remove.setAttribute("aria-label", `Remove step ${index + 1}`);
  remove.addEventListener("click", () => {
    item.remove();
    renumber();
  });
  item.append(label, input, remove);
  return item;
}

function renumber() {
  const items = [...document.querySelectorAll("#funnel-steps li")];
  items.forEach((item, i) => {
    item.querySelector("input").id = `funnel-step-${i}`;
    item.querySelector("label").htmlFor = `funnel-step-${i}`;
    item.querySelector("label").textContent = `Step ${i + 1}`;
  });
  document.getElementById("funnel-add").disabled = items.length >= MAX_STEPS;
}

function showInputs(steps) {
  const values = steps.length >= MIN_STEPS ? steps : [...steps, "", ""].slice(0, MIN_STEPS);
  document.getElementById("funnel-steps").replaceChildren(...values.map(stepInput));
  renumber();
}

export function installFunnel() {
  document.getElementById("funnel-add").addEventListener("click", () => {
    const list = document.getElementById("funnel-steps");
    if (list.children.length >= MAX_STEPS) return;
    list.append(stepInput("", list.children.length));
    renumber();
    list.lastElementChild.querySelector("input").focus();
  });
  document.getElementById("funnel-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const steps = [...document.querySelectorAll("#funnel-steps input")]
      .map((input) => input.value.trim().replaceAll(",", ""))
      .filter(Boolean);
    update({ funnel: steps.join(",") });
  });
}

function renderResult(answer) {
  const list = document.getElementById("funnel-result");
  list.replaceChildren(...(answer ? answer.steps : []).map((step) => {
    const item = document.createElement("li");
    item.dataset.visitors = String(step.visitors);
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${step.overall}%`;
    const label = document.createElement("span");
    label.className = "funnel-label";
    label.textContent = `${step.step}. ${step.label}`;
    const numbers = document.createElement("span");
    numbers.className = "funnel-numbers";
    numbers.textContent = `${exact(step.visitors)} visitors · ${percent(step.overall)}` +
      (step.step > 1 ? ` · ${percent(step.conversion)} from step ${step.step - 1}` : "");
    numbers.title = `${exact(step.dropped)} dropped before this step`;
    item.append(bar, label, numbers);
    return item;
  }));
}

async function fillSuggestions(view) {
  const [pages, events] = await Promise.all([
    load("funnel-pages", reportUrl(view, "breakdown/page", { limit: 20, totals: "none" })),
    load("funnel-events", reportUrl(view, "breakdown/event", { limit: 20, totals: "none" })),
  ]);
  if (!pages || !events) return;
  const values = [
    ...pages.results.map((r) => r.value),
    ...events.results.map((r) => `event:${r.value}`),
  ];
  document.getElementById("funnel-options").replaceChildren(...values.map((value) => {
    const option = document.createElement("option");
    option.value = value;
    return option;
  }));
}

export async function loadFunnel(view) {
  const panel = document.getElementById("funnel");
  const steps = stepsOf(view);
  showInputs(steps);
  const hint = document.getElementById("funnel-hint");
  hint.textContent = "Two to eight steps: a page path (/pricing) or event:Name.";
  markLoading(panel);
  const suggestions = fillSuggestions(view);
  if (steps.length < MIN_STEPS || steps.length > MAX_STEPS) {
    renderResult(null);
    hint.hidden = false;
    await suggestions;
    markReady(panel);
    return;
  }
  hint.hidden = true;
  try {
    const answer = await load("funnel", reportUrl(view, "funnel", { steps: steps.join(",") }));
    if (!answer) return;
    renderResult(answer);
    if (!answer.steps.length || !answer.steps[0].visitors) {
      hint.hidden = false;
      hint.textContent = view.filter ? "No visitor matching these filters reached the first step in this period."
        : "No visitor reached the first step in this period.";
    }
  } catch (error) {
    if (isPageError(error) && error.field !== "steps") throw error; // the page says it once
    hint.hidden = false;
    hint.textContent = error.field === "steps" ? `This funnel cannot be built: ${error.message}.`
      : panelErrorText(error);
    renderResult(null);
  }
  await suggestions;
  markReady(panel);
}
