/* Pulse wall display: the connection. A websocket to /ws/live (msgpack frames when the decoder
   loaded, else JSON), reconnecting with exponential backoff and full jitter; after 3 handshakes
   in a row that never delivered a frame (a proxy that blocks websockets), it polls the REST
   snapshot every 5 s while it keeps trying the websocket, and stops polling once one works. */
(function () {
  "use strict";

  var BACKOFF_BASE_MS = 1000;
  var BACKOFF_CAP_MS = 30000; // a restarted server sees its screens back within 30 s
  var BACKOFF_FLOOR_MS = 250;
  var POLL_AFTER_FAILURES = 3;
  var POLL_INTERVAL_MS = 5000;
  // The server sends a keepalive after 20 s of silence: 60 s without any frame means the
  // connection is dead even if the browser has not noticed (a NAT or proxy dropped it).
  var WATCHDOG_MS = 60000;

  /* Full jitter (random in [0, min(cap, base * 2^attempt)]): a fleet of TVs that lost the
     server together does not reconnect together. */
  function backoff(attempt) {
    var ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * Math.pow(2, attempt));
    return Math.max(BACKOFF_FLOOR_MS, Math.random() * ceiling);
  }

  /* A kiosk screen or an embed has no cookie: its link (?kiosk=<token> or ?share=<slug> in the
     page's address) goes along with the socket and the REST fallback. */
  function linkParams() {
    var page = new URLSearchParams(location.search);
    var extra = "";
    ["kiosk", "share"].forEach(function (name) {
      var value = page.get(name);
      if (value) extra += "&" + name + "=" + encodeURIComponent(value);
    });
    return extra;
  }

  function connect(site, handlers) {
    var attempt = 0;
    var failures = 0;
    var socket = null;
    var retryTimer = null;
    var pollTimer = null;
    var watchdog = null;
    var format = window.MessagePack ? "msgpack" : "json";
    var query = "site=" + encodeURIComponent(site) + "&format=" + format + linkParams();
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    var wsUrl = scheme + "//" + location.host + "/ws/live?" + query;
    var restUrl = "/api/v1/sites/" + encodeURIComponent(site) + "/realtime?" + linkParams().slice(1);

    function status(state) {
      handlers.onStatus(state);
    }

    function decode(data) {
      if (typeof data === "string") return JSON.parse(data);
      return window.MessagePack.decode(new Uint8Array(data));
    }

    function armWatchdog(ws) {
      clearTimeout(watchdog);
      watchdog = setTimeout(function () { ws.close(4000, "watchdog"); }, WATCHDOG_MS);
    }

    function open() {
      retryTimer = null;
      if (!pollTimer) status("connecting");
      var ws = new WebSocket(wsUrl);
      var delivered = false;
      socket = ws;
      ws.binaryType = "arraybuffer";
      ws.onmessage = function (message) {
        var frame = decode(message.data);
        delivered = true;
        attempt = 0;
        failures = 0;
        stopPolling();
        armWatchdog(ws);
        status("live");
        if (frame.type === "snapshot") handlers.onSnapshot(frame);
      };
      ws.onclose = function () {
        if (socket !== ws) return;
        socket = null;
        clearTimeout(watchdog);
        if (!delivered) failures += 1;
        if (failures >= POLL_AFTER_FAILURES) startPolling();
        status(pollTimer ? "polling" : "offline");
        retryTimer = setTimeout(open, backoff(attempt));
        attempt += 1;
      };
    }

    function poll() {
      fetch(restUrl, { cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (snapshot) {
          if (!pollTimer) return; // the websocket came back meanwhile
          handlers.onSnapshot(snapshot);
          status("polling");
        })
        .catch(function () { status("offline"); });
    }

    function startPolling() {
      if (pollTimer) return;
      pollTimer = setInterval(poll, POLL_INTERVAL_MS);
      poll();
    }

    function stopPolling() {
      clearInterval(pollTimer);
      pollTimer = null;
    }

    open();
    return {
      close: function () {
        clearTimeout(retryTimer);
        stopPolling();
        if (socket) socket.close(1000);
      },
    };
  }

  window.PulseLive = { connect: connect, backoff: backoff, linkParams: linkParams };
})();
