/* <pulse-live share="SLUG" kind="counter|card" theme="light|dark|transparent" [site="DOMAIN"]>
   (issue 21): a live counter or card for any page, loaded with
   <script src="https://pulse.example/embed.js" defer></script>. It opens /ws/live itself with
   the share link's read-only grant (the slug in the URL: a page elsewhere sends no cookies) and
   shows each pushed snapshot; nothing is polled. Shadow DOM, styles through a constructed
   stylesheet and CSSOM, no inline script or style, so it works under a strict CSP of
   `script-src <pulse origin>; connect-src <pulse ws origin>`. Reconnects with jittered backoff;
   a close with 1008 (link revoked) stops it. */
(function () {
  "use strict";

  var script = document.currentScript;
  var ORIGIN = script && script.src ? new URL(script.src).origin : location.origin;
  var POLICY_VIOLATION = 1008;
  var CSS = [
    ":host { display: inline-block; font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', sans-serif;",
    "  --bg: #ffffff; --text: #14161a; --muted: #5d6470; --line: #e3e6eb; --accent: #3b6cf6; }",
    ":host([theme=dark]) { --bg: #15181e; --text: #eef1f5; --muted: #9aa3b0; --line: #2a2f38; --accent: #6d93ff; }",
    ":host([theme=transparent]) { --bg: transparent; --line: transparent; --text: inherit; --muted: inherit; }",
    ".box { background: var(--bg); color: var(--text); border: 1px solid var(--line);",
    "  border-radius: 10px; padding: 10px 14px; box-sizing: border-box; min-width: 9em; }",
    ".row { display: flex; align-items: baseline; gap: 8px; }",
    ".dot { width: 8px; height: 8px; border-radius: 50%; background: #9aa3b0; flex: none;",
    "  align-self: center; }",
    ".box[data-state=live] .dot { background: #1fb866; }",
    ".n { font-size: 1.9em; font-weight: 650; font-variant-numeric: tabular-nums; }",
    ".label, .foot { color: var(--muted); }",
    ".card { width: 100%; min-width: 16em; }",
    ".card .n { font-size: 2.6em; line-height: 1.1; }",
    ".head { display: flex; justify-content: space-between; gap: 8px; color: var(--muted);",
    "  font-size: .85em; }",
    ".bars { display: flex; align-items: flex-end; gap: 2px; height: 48px; margin: 8px 0 6px; }",
    ".bars i { flex: 1; background: var(--accent); border-radius: 2px 2px 0 0; min-height: 1px;",
    "  opacity: .85; }",
    ".kpis { display: flex; gap: 16px; font-variant-numeric: tabular-nums; }",
    ".kpis b { font-weight: 650; }",
  ].join("\n");
  var sheet = null;

  function styles(root) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [sheet];
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function number(n) {
    return typeof n === "number" ? n.toLocaleString() : "–";
  }

  class PulseLive extends HTMLElement {
    constructor() {
      super();
      this.root = this.attachShadow({ mode: "open" });
      styles(this.root);
      this.socket = null;
      this.timer = null;
      this.attempt = 0;
      this.stopped = false;
    }

    connectedCallback() {
      this.stopped = false;
      this.draw();
      this.open();
    }

    disconnectedCallback() {
      this.stopped = true;
      clearTimeout(this.timer);
      if (this.socket) this.socket.close(1000);
    }

    draw() {
      var card = this.getAttribute("kind") === "card";
      var box = el("div", card ? "box card" : "box counter");
      box.dataset.state = "connecting";
      this.parts = { box: box, active: el("span", "n", "–") };
      if (card) {
        var head = el("div", "head");
        this.parts.title = el("span", "title", this.getAttribute("site") || "");
        head.append(this.parts.title, el("span", "label", "last 30 minutes"));
        var row = el("div", "row");
        row.append(el("span", "dot"), this.parts.active, el("span", "label", "active now"));
        this.parts.bars = el("div", "bars");
        for (var i = 0; i < 30; i += 1) this.parts.bars.append(el("i"));
        var kpis = el("div", "kpis foot");
        this.parts.pageviews = el("b", "", "–");
        this.parts.visitors = el("b", "", "–");
        var pv = el("span");
        pv.append(this.parts.pageviews, " page views");
        var vi = el("span");
        vi.append(this.parts.visitors, " visitors");
        kpis.append(pv, vi);
        box.append(head, row, this.parts.bars, kpis);
      } else {
        var line = el("div", "row");
        line.append(el("span", "dot"), this.parts.active, el("span", "label", "active now"));
        box.append(line);
      }
      this.parts.active.dataset.k = "active";
      this.root.replaceChildren(box);
    }

    url() {
      var ws = ORIGIN.replace(/^http/, "ws");
      var query = "share=" + encodeURIComponent(this.getAttribute("share") || "");
      var site = this.getAttribute("site");
      if (site) query += "&site=" + encodeURIComponent(site);
      return ws + "/ws/live?" + query + "&format=json";
    }

    open() {
      if (this.stopped) return;
      var self = this;
      var ws = new WebSocket(this.url());
      this.socket = ws;
      ws.onmessage = function (message) {
        var frame = JSON.parse(message.data);
        self.attempt = 0;
        self.parts.box.dataset.state = "live";
        if (frame.type === "snapshot") self.show(frame);
      };
      ws.onclose = function (event) {
        if (self.socket !== ws) return;
        self.socket = null;
        self.parts.box.dataset.state = event.code === POLICY_VIOLATION ? "refused" : "offline";
        if (event.code === POLICY_VIOLATION || self.stopped) return;
        var ceiling = Math.min(30000, 1000 * Math.pow(2, self.attempt));
        self.attempt += 1;
        self.timer = setTimeout(function () { self.open(); }, Math.max(250, Math.random() * ceiling));
      };
    }

    show(s) {
      var p = this.parts;
      p.active.textContent = number(s.active_now);
      p.box.dataset.seq = String(s.seq);
      if (!p.bars) return;
      p.title.textContent = s.name || s.site;
      p.pageviews.textContent = number(s.last_30m.pageviews);
      p.visitors.textContent = number(s.last_30m.visitors);
      var series = s.minutes.pageviews;
      var top = Math.max.apply(null, series.concat([1]));
      var bars = p.bars.children;
      for (var i = 0; i < bars.length && i < series.length; i += 1) {
        bars[i].style.height = Math.round((series[i] / top) * 100) + "%"; // CSSOM: CSP allows it
        bars[i].title = series[i] + " page views";
      }
    }
  }

  if (!customElements.get("pulse-live")) customElements.define("pulse-live", PulseLive);
})();
