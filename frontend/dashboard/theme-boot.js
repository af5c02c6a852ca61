/* Runs before the first paint (a classic script in <head>): the chosen theme, or the system's,
   so a dark-mode user never sees a white flash. js/theme.js owns the toggle. */
(function () {
  "use strict";
  var saved = null;
  try { saved = localStorage.getItem("pulse-theme"); } catch (e) { /* storage disabled */ }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.dataset.theme = saved === "dark" || saved === "light"
    ? saved : (dark ? "dark" : "light");
})();
