/* Runs before the first paint (a classic script in <head>): the chosen theme, or the system's,
   so a dark-mode user never sees a white flash. js/theme.js owns the toggle.
   An embed (/share/<slug>?embed=1, issue 21) arrives as ?embed=1&share=<slug>[&theme=]: the
   theme comes from the URL, the chrome is hidden (dashboard.css), and every /api/ request
   carries the link (a cross-site frame sends no cookies), so it is wrapped here, before any
   module runs. */
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var root = document.documentElement;
  var saved = null;
  try { saved = localStorage.getItem("pulse-theme"); } catch (e) { /* storage disabled */ }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  var asked = params.get("theme");
  if (asked === "dark" || asked === "light") saved = asked;
  if (asked === "transparent") root.dataset.transparent = "1";
  root.dataset.theme = saved === "dark" || saved === "light" ? saved : (dark ? "dark" : "light");
  if (params.get("embed") === "1") root.dataset.embed = "1";
  var share = params.get("share");
  if (!share || !window.fetch) return;
  var fetchOriginal = window.fetch.bind(window);
  window.fetch = function (input, init) {
    if (typeof input === "string") {
      var url = new URL(input, location.href);
      if (url.origin === location.origin && url.pathname.indexOf("/api/") === 0) {
        url.searchParams.set("share", share);
        input = url.pathname + url.search;
      }
    }
    return fetchOriginal(input, init);
  };
})();
