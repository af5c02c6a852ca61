/* "N active now": the wall display's own connection (/assets/live/connection.js: websocket
   with backoff, REST polling when websockets are blocked), its snapshot's active_now only.
   The badge links to the site's wall display. */

let connection = null;
let connectedSite = null;

export function watchActiveNow(site) {
  const badge = document.getElementById("live-badge");
  badge.href = `/live?site=${encodeURIComponent(site)}`;
  if (site === connectedSite || !window.PulseLive) return;
  connection?.close();
  connectedSite = site;
  const number = document.getElementById("active-now");
  number.textContent = "–";
  connection = window.PulseLive.connect(site, {
    onSnapshot(snapshot) {
      if (snapshot.site !== connectedSite) return;
      number.textContent = new Intl.NumberFormat("en").format(snapshot.active_now);
      number.dataset.value = String(snapshot.active_now);
    },
    onStatus(state) {
      badge.dataset.state = state;
    },
  });
}
