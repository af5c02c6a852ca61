/* ECharts (the full build from npm, served at /assets/vendor/echarts-full.js) with the page's
   colours: every chart is drawn from CSS custom properties, and redrawn when the theme changes
   or its box resizes. */

const charts = new Set();

export function palette() {
  const css = getComputedStyle(document.documentElement);
  const value = (name) => css.getPropertyValue(name).trim();
  return {
    text: value("--text"),
    muted: value("--muted"),
    line: value("--line"),
    grid: value("--grid"),
    panel: value("--panel"),
    accent: value("--accent"),
    accent2: value("--accent-2"),
    accent3: value("--accent-3"),
    heatLow: value("--heat-low"),
    heatHigh: value("--heat-high"),
    series: [value("--accent"), value("--accent-2"), value("--accent-3"), value("--accent-4"),
      value("--accent-5"), value("--accent-6")],
  };
}

/** A chart in `element`, drawn by `draw(palette)` which returns a complete option.
    Returns {redraw} to call when the data changed. */
export function chart(element, draw) {
  if (!window.echarts) {
    element.textContent = "This chart could not be drawn (its library did not load).";
    return { redraw() {}, instance: null };
  }
  const instance = window.echarts.init(element, null, { renderer: "canvas" });
  const entry = {
    instance,
    redraw() {
      instance.setOption(draw(palette()), { notMerge: true });
    },
  };
  charts.add(entry);
  new ResizeObserver(() => instance.resize()).observe(element);
  return entry;
}

export function redrawAll() {
  for (const entry of charts) entry.redraw();
}

export function axisStyle(p) {
  return {
    axisLine: { lineStyle: { color: p.line } },
    axisTick: { show: false },
    axisLabel: { color: p.muted },
    splitLine: { lineStyle: { color: p.grid } },
  };
}

export function tooltipStyle(p) {
  return {
    backgroundColor: p.panel,
    borderColor: p.line,
    textStyle: { color: p.text },
  };
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Tooltips built from classes (panels.css, .tip-*). ECharts writes a tooltip's content as
    innerHTML, and its default content carries style="" attributes (the colour dots, the bold
    values), which the page's CSP (style-src 'self', no 'unsafe-inline') blocks: each hover
    logged violations and showed "Unique visitors361". The box itself ECharts positions and
    colours through element.style (CSSOM), which CSP allows. `rows(params)` answers
    {title, rows: [{name, value, mark}], note, annotations?: [text]}; mark is a .tip-dot class
    (tip-c0.., tip-prev); each annotation shows with a flag (the trend chart's notes). */
export function tooltip(p, rows, options = {}) {
  return {
    ...tooltipStyle(p),
    className: "chart-tip",
    confine: true,
    formatter: (params) => tipHtml(rows(params)),
    ...options,
  };
}

function tipHtml({ title, rows = [], note, annotations = [] }) {
  const head = title ? `<div class="tip-title">${escapeHtml(title)}</div>` : "";
  const body = rows.map((r) => `<div class="tip-row"><span class="tip-dot ${r.mark || "tip-none"}">`
    + `</span><span class="tip-name">${escapeHtml(r.name)}</span>`
    + `<span class="tip-value">${escapeHtml(r.value)}</span></div>`).join("");
  const notes = annotations.map((text) => '<div class="tip-annotation"><span class="tip-flag"></span>'
    + `<span class="tip-annotation-text">${escapeHtml(text)}</span></div>`).join("");
  return head + body + notes + (note ? `<div class="tip-note">${escapeHtml(note)}</div>` : "");
}
