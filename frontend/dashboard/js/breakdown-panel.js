/* A card of breakdown tables behind tabs (Sources | Channels | ..., Top | Entry | Exit, ...):
   breakdown/{dimension} sorted and paged by the API, a row's bar drawn against the largest
   row shown, a CSV link for the whole table, and a click on a row filters the dashboard by it. */

import { getJson, load, reportUrl } from "./api.js";
import { addFilter, canFilter, dimensionLabel, parseFilters } from "./filters.js";
import { metric } from "./format.js";
import { isPageError, markLoading, markReady, panelErrorText } from "./page-state.js";

const PAGE = 10;
const MAX_ROWS = 100;
const CSV_ROWS = 1000; // the API's largest page

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class BreakdownPanel {
  /** tabs: [{label, dimension, columns: [[metric, heading]...], id?, metrics?, display?(value),
      key?: true, icon?(value), flag?: true (the icon is a flag), credit?: {text, href} (a data
      source the tab's licence asks to name, in the footer)}]; a tab is named by `id` (its
      button's data-tab), else by its dimension. */
  constructor(root, title, tabs) {
    this.root = root;
    this.root.classList.add("breakdown-card");
    this.tabs = tabs;
    this.tab = tabs[0];
    this.limit = PAGE;
    this.sort = null;
    this.key = "";
    this.view = null;
    this.build(title);
  }

  build(title) {
    const head = element("header", "card-head");
    const heading = element("h2", "", title);
    heading.id = `${this.root.id}-heading`;
    this.root.setAttribute("aria-labelledby", heading.id);
    this.tabList = element("div", "tabs");
    this.tabList.setAttribute("role", "tablist");
    for (const tab of this.tabs) {
      const button = element("button", "tab", tab.label);
      button.type = "button";
      button.setAttribute("role", "tab");
      button.dataset.dimension = tab.dimension;
      button.dataset.tab = tab.id || tab.dimension;
      button.addEventListener("click", () => this.choose(tab));
      tab.button = button;
      this.tabList.append(button);
    }
    head.append(heading, this.tabList);
    this.keyForm = this.buildKeyForm();
    this.table = element("table", "breakdown");
    this.empty = element("p", "empty muted", "");
    this.error = element("p", "error", "");
    const foot = element("footer", "card-foot");
    this.more = element("button", "link-button", "Show more");
    this.more.type = "button";
    this.more.addEventListener("click", () => this.showMore());
    this.count = element("span", "muted");
    this.csv = element("a", "csv", "CSV");
    this.credit = element("a", "credit muted");
    foot.append(this.more, this.count, this.credit, this.csv);
    this.root.replaceChildren(head, this.keyForm, this.table, this.empty, this.error, foot);
    this.markTab();
  }

  buildKeyForm() {
    const form = element("form", "key-form");
    const label = element("label", "inline", "Property ");
    const input = element("input", "control small");
    input.name = "key";
    input.placeholder = "e.g. plan";
    input.maxLength = 64;
    // The period's keys, from /properties, offered as the input's suggestions.
    this.keyList = element("datalist");
    this.keyList.id = `${this.root.id}-keys`;
    input.setAttribute("list", this.keyList.id);
    label.append(input, this.keyList);
    const submit = element("button", "control small", "Show");
    submit.type = "submit";
    form.append(label, submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.key = input.value.trim();
      this.refresh();
    });
    this.keyInput = input;
    return form;
  }

  dimension() {
    return this.tab.key ? (this.key ? `prop:${this.key}` : null) : this.tab.dimension;
  }

  choose(tab) {
    this.tab = tab;
    this.limit = PAGE;
    this.sort = null;
    this.markTab();
    this.refresh();
  }

  markTab() {
    for (const tab of this.tabs) tab.button.setAttribute("aria-selected", String(tab === this.tab));
    this.keyForm.hidden = !this.tab.key;
    this.tabList.hidden = this.tabs.length < 2;
    this.credit.hidden = !this.tab.credit;
    if (this.tab.credit) {
      this.credit.textContent = this.tab.credit.text;
      this.credit.href = this.tab.credit.href;
    }
  }

  showMore() {
    this.limit = Math.min(MAX_ROWS, this.limit + PAGE);
    this.refresh();
  }

  async load(view) {
    this.view = view;
    this.limit = PAGE;
    if (this.tabs.some((tab) => tab.key)) await this.loadKeys(view);
    return this.refresh();
  }

  /** Suggest the period's property keys; with none chosen yet, show the busiest. */
  async loadKeys(view) {
    let keys = [];
    try {
      keys = (await getJson(reportUrl(view, "properties"))).keys;
    } catch (error) {
      return; // the table still works with a typed key
    }
    this.keyList.replaceChildren(...keys.map((k) => {
      const option = element("option");
      option.value = k.key;
      return option;
    }));
    if (!this.key && keys.length) {
      this.key = keys[0].key;
      this.keyInput.value = this.key;
    }
  }

  async refresh() {
    const dimension = this.dimension();
    this.root.dataset.dimension = dimension || "";
    if (!this.view || !dimension) {
      this.render(null);
      return;
    }
    const params = { limit: this.limit, sort: this.sort, metrics: this.tab.metrics };
    this.goalFiltered = parseFilters(this.view.filter).some((f) => f.dim === "goal");
    markLoading(this.root);
    this.csv.href = reportUrl(this.view, `breakdown/${dimension}.csv`, { ...params, limit: CSV_ROWS });
    this.csv.download = `${this.view.site}-${dimension.replace(":", "-")}-${this.view.range}.csv`;
    try {
      const answer = await load(this.root.id, reportUrl(this.view, `breakdown/${dimension}`, { ...params, totals: "none" }));
      if (answer) this.render(answer);
    } catch (error) {
      if (isPageError(error) && !this.tab.key) throw error; // the whole page says it once
      this.render(null);
      markReady(this.root);
      this.error.textContent = panelErrorText(error);
    }
  }

  render(answer) {
    this.error.textContent = "";
    const rows = answer ? answer.results : [];
    this.answeredSort = answer ? answer.sort : null;
    this.table.replaceChildren(this.header(), this.body(rows, answer && answer.dimension));
    this.table.hidden = rows.length === 0;
    this.empty.hidden = rows.length > 0 || (!answer && this.dimension() !== null);
    this.empty.textContent = this.emptyText();
    this.more.hidden = !answer || rows.length >= answer.total_rows || this.limit >= MAX_ROWS;
    this.count.textContent = answer && answer.total_rows
      ? `${rows.length} of ${answer.total_rows}` : "";
    this.csv.hidden = !answer;
    if (answer || this.dimension() === null) markReady(this.root);
  }

  /** The tab's columns, and with a goal filter the conversion rate (converted visitors of the
      row over all its visitors, from the API). */
  columns() {
    return this.goalFiltered ? [...this.tab.columns, ["conversion_rate", "CR"]] : this.tab.columns;
  }

  header() {
    const head = element("thead");
    const row = element("tr");
    row.append(element("th", "label-col", dimensionLabel(this.dimension() || "prop:…")));
    for (const [name, heading] of this.columns()) {
      const cell = element("th", "num");
      const button = element("button", "sort", heading);
      button.type = "button";
      button.title = `Sort by ${heading.toLowerCase()}`;
      button.addEventListener("click", () => {
        this.sort = name;
        this.refresh();
      });
      cell.setAttribute("aria-sort", this.sortedBy() === name ? "descending" : "none");
      cell.append(button);
      row.append(cell);
    }
    head.append(row);
    return head;
  }

  /** The column the rows are in the order of: what the API says it sorted by (page views for
      pages, sessions for entry pages...), so the header mark and the bars agree with the order. */
  sortedBy() {
    const columns = this.columns().map(([name]) => name);
    const sorted = this.sort || this.answeredSort;
    return columns.includes(sorted) ? sorted : columns[0];
  }

  /** A row's picture (a country's flag, a source's icon), bundled and served by Pulse; gone
      if it has none. */
  icon(value) {
    const src = this.tab.icon && value ? this.tab.icon(value) : null;
    if (!src) return null;
    const img = element("img", this.tab.flag ? "flag" : "source-icon");
    img.alt = "";
    img.src = src;
    img.addEventListener("error", () => img.remove());
    return img;
  }

  /** Why a table is empty, in words. */
  emptyText() {
    if (this.tab.key && !this.key) return "No custom event carried a property in this period.";
    const filtered = this.view && this.view.filter;
    return filtered ? "Nothing matches these filters in this period."
      : `No ${this.tab.label.toLowerCase()} recorded in this period.`;
  }

  body(rows, dimension) {
    const body = element("tbody");
    const first = this.sortedBy();
    const max = Math.max(1, ...rows.map((r) => r[first] || 0)); // a null depth draws no bar
    for (const result of rows) {
      const row = element("tr");
      row.dataset.value = result.value === null ? "" : String(result.value);
      const label = this.tab.display ? this.tab.display(result.value) : result.value;
      const cell = element("td", "label-col");
      const bar = element("span", "bar");
      bar.style.width = `${(100 * (result[first] || 0)) / max}%`;
      const text = label === null || label === undefined || label === "" ? "(none)" : label;
      const icon = this.icon(result.value);
      if (canFilter(result.value, dimension)) {
        const button = element("button", "row-button", text);
        button.type = "button";
        button.title = `Filter by ${dimensionLabel(dimension)}: ${text}`;
        button.addEventListener("click", () => addFilter(dimension, result.value));
        if (icon) button.prepend(icon);
        cell.append(bar, button);
      } else {
        cell.append(bar, element("span", "row-text", text));
      }
      row.append(cell);
      for (const [name] of this.columns()) {
        const number = element("td", "num", metric(name, result[name]));
        number.dataset.metric = name;
        number.dataset.value = String(result[name]);
        row.append(number);
      }
      body.append(row);
    }
    return body;
  }
}
