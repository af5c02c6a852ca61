/* Light and dark: the toggle flips <html data-theme> (set before paint by theme-boot.js),
   remembers the choice, and redraws the charts in the new colours. */

import { redrawAll } from "./charts.js";

function label(button, theme) {
  const next = theme === "dark" ? "light" : "dark";
  button.setAttribute("aria-label", `Switch to ${next} theme`);
  button.title = `Switch to ${next} theme`;
}

export function setTheme(theme) {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem("pulse-theme", theme);
  } catch {
    /* storage disabled: the choice lasts this page */
  }
  label(document.getElementById("theme"), theme);
  redrawAll();
}

export function installThemeToggle() {
  const button = document.getElementById("theme");
  label(button, document.documentElement.dataset.theme);
  button.addEventListener("click", () => {
    setTheme(document.documentElement.dataset.theme === "dark" ? "light" : "dark");
  });
}
