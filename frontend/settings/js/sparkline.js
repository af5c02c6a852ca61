/* A 7-point sparkline as inline SVG (no chart library on the overview: one per site). */

const NS = "http://www.w3.org/2000/svg";

export function sparkline(values, label) {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", "0 0 100 40");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const top = Math.max(1, ...values);
  const step = values.length > 1 ? 100 / (values.length - 1) : 100;
  const points = values.map((v, i) => `${(i * step).toFixed(2)},${(38 - (v / top) * 34).toFixed(2)}`);
  const area = document.createElementNS(NS, "path");
  area.setAttribute("class", "area");
  area.setAttribute("d", `M0,40 L${points.join(" L")} L100,40 Z`);
  const line = document.createElementNS(NS, "path");
  line.setAttribute("class", "line");
  line.setAttribute("d", `M${points.join(" L")}`);
  svg.append(area, line);
  return svg;
}
