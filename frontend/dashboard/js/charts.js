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
    element.textContent = "Charts need their library: run `cd frontend && npm ci`.";
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
