/* Pulse wall display: rendering. Every value goes in with textContent (paths and sources come
   from visitors' browsers, so never as HTML). */
(function () {
  "use strict";

  var numbers = new Intl.NumberFormat();
  var regions = typeof Intl.DisplayNames === "function"
    ? new Intl.DisplayNames(["en"], { type: "region" }) : null;
  var DEVICE = { desktop: "desktop", mobile: "mobile", tablet: "tablet" };
  var chart = null;
  var map = null; // the countries panel's world map (null until its shapes are registered)
  var latestAt = -1;
  var shownEvents = new Set();
  var timeZone = undefined;
  var receivedAt = 0; // when the last snapshot arrived (this browser's clock)
  var status = "connecting";
  var lastSnapshot = null; // drawn again when the screen changes size (rows refit)
  // A snapshot comes every second while live, every 5 s while polling: older than this is stale.
  var STALE_AFTER_MS = 12000;

  function $(id) { return document.getElementById(id); }

  function formatter(options) {
    try {
      return new Intl.DateTimeFormat("en-GB", Object.assign({ timeZone: timeZone }, options));
    } catch (e) { // a zone this browser does not know: its own
      return new Intl.DateTimeFormat("en-GB", options);
    }
  }

  function country(code) {
    if (!code) return "Unknown";
    try { return (regions && regions.of(code)) || code; } catch (e) { return code; }
  }

  /* The world map over the countries list: the 30 minutes' visits by country, shaded. */
  function initMap() {
    if (!window.echarts || !window.topojson || !window.PulseWorldGeo) return;
    window.PulseWorldGeo.register().then(function () {
      map = window.echarts.init($("map"), null, { renderer: "canvas" });
      window.addEventListener("resize", function () { map.resize(); });
      if (lastSnapshot) renderMap(lastSnapshot.top.countries);
    }, function () { $("map").hidden = true; });
  }

  function renderMap(countries) {
    if (!map) return;
    var rows = countries.items.filter(function (item) { return item[0]; }); // [code, visits]
    var most = Math.max.apply(null, [1].concat(rows.map(function (item) { return item[1]; })));
    $("map").dataset.countries = String(rows.length);
    map.setOption({
      animation: false,
      visualMap: { show: false, min: 0, max: most, inRange: { color: ["#1d3a5c", "#4c9bff"] } },
      series: [{
        type: "map", map: "pulse-world", roam: false, silent: true,
        left: 0, right: 0, top: 0, bottom: 0,
        itemStyle: { areaColor: "#1b2536", borderColor: "#121925", borderWidth: 0.5 },
        data: rows.map(function (item) { return { name: item[0], value: item[1] }; }),
      }],
    });
  }

  function initChart() {
    if (!window.echarts) {
      $("chart").textContent = "The chart could not be drawn (its library did not load).";
      return;
    }
    chart = window.echarts.init($("chart"), null, { renderer: "canvas" });
    chart.setOption({
      animationDuration: 300,
      xAxis: { type: "category", data: [], axisTick: { show: false },
               axisLine: { lineStyle: { color: "#223047" } } },
      // Visitors on their own (right) axis: on the page views' scale the line lay flat.
      yAxis: [
        { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#1b2536" } } },
        { type: "value", minInterval: 1, splitLine: { show: false } },
      ],
      series: [
        { name: "page views", type: "bar", data: [], barCategoryGap: "25%",
          itemStyle: { color: "#4c9bff", borderRadius: [3, 3, 0, 0] } },
        { name: "visitors", type: "line", data: [], smooth: false, symbol: "none", yAxisIndex: 1,
          lineStyle: { color: "#3ddc97" } },
      ],
    });
    sizeChart();
    window.addEventListener("resize", function () { sizeChart(); chart.resize(); });
  }

  /* Sizes in pixels follow the root font size, which follows the screen (live.css): the same
     chart at 1080p and 2160p. */
  function sizeChart() {
    var rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
    var axis = { color: "#8a9bb3", fontSize: Math.round(rem * 1.05) };
    chart.setOption({
      grid: { left: rem * 3.4, right: rem * 3.4, top: rem * 0.8, bottom: rem * 2.4 },
      xAxis: { axisLabel: Object.assign({ margin: rem * 0.7 }, axis) },
      yAxis: [{ axisLabel: Object.assign({ color: "#4c9bff" }, axis, { color: "#4c9bff" }) },
              { axisLabel: Object.assign({}, axis, { color: "#3ddc97" }) }],
      series: [{}, { lineStyle: { width: Math.max(2, rem * 0.2) } }],
    });
  }

  function renderChart(minutes) {
    if (!chart) return;
    var hm = formatter({ hour: "2-digit", minute: "2-digit" });
    var labels = minutes.pageviews.map(function (_, i) {
      return hm.format(new Date(minutes.start + i * minutes.step));
    });
    chart.setOption({
      xAxis: { data: labels },
      series: [{ data: minutes.pageviews }, { data: minutes.visitors }],
    });
  }

  function renderList(section, top, label) {
    var list = section.querySelector("ol");
    var rows = top.items.slice();
    var max = rows.length ? rows[0][1] : 1;
    list.replaceChildren();
    if (!rows.length) {
      var empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "nothing in the last 30 minutes";
      list.appendChild(empty);
      return;
    }
    if (top.other > 0) rows.push([null, top.other, true]);
    rows.forEach(function (row) {
      var li = document.createElement("li");
      var bar = document.createElement("span");
      var key = document.createElement("span");
      var value = document.createElement("span");
      bar.className = "bar";
      bar.style.width = Math.min(100, (100 * row[1]) / max) + "%";
      key.className = "k";
      key.textContent = row[2] ? "Other" : label(row[0]);
      value.className = "v";
      value.textContent = numbers.format(row[1]);
      if (row[2]) li.className = "other";
      key.title = key.textContent; // the full value when the ellipsis cuts it
      li.append(bar, key, value);
      list.appendChild(li);
    });
    keepWholeRows(list);
  }

  /* A list shows only the rows that fit whole: a row cut in half at the panel's edge is
     dropped (at 1080p the 10th page and the feed's last entry were). */
  function keepWholeRows(list) {
    var bottom = list.getBoundingClientRect().bottom + 0.5;
    var rows = list.children;
    while (rows.length > 1 && rows[rows.length - 1].getBoundingClientRect().bottom > bottom) {
      list.removeChild(rows[rows.length - 1]);
    }
  }

  function renderFeed(recent) {
    var list = $("feed");
    var hms = formatter({ hour: "2-digit", minute: "2-digit", second: "2-digit" });
    var next = new Set();
    list.replaceChildren();
    recent.forEach(function (e) {
      var id = e.ts + " " + e.path + " " + e.name;
      var li = document.createElement("li");
      var t = document.createElement("span");
      var p = document.createElement("span");
      var m = document.createElement("span");
      t.className = "t";
      t.textContent = hms.format(new Date(e.ts));
      p.className = "p";
      p.textContent = e.name === "pageview" ? e.path : e.name + " · " + e.path;
      m.className = "m";
      // An entry shows where the visit came from; later events inside a session are "·".
      m.textContent = (e.entry ? e.source : "·") + "  " + (e.country || "—") + "  " +
        (DEVICE[e.device] || e.device);
      li.className = (e.entry ? "entry" : "") + (shownEvents.has(id) ? "" : " fresh");
      p.title = p.textContent;
      li.append(t, p, m);
      list.appendChild(li);
      next.add(id);
    });
    shownEvents = next;
    keepWholeRows(list);
  }

  function setNumber(id, value) {
    $(id).textContent = numbers.format(value);
  }

  function render(s) {
    if (s.at < latestAt) return; // an older snapshot (a late poll answer)
    if (s !== lastSnapshot) receivedAt = Date.now();
    latestAt = s.at;
    lastSnapshot = s;
    timeZone = s.timezone;
    $("zone").textContent = s.timezone || "";
    document.title = "Pulse · live · " + s.site;
    $("site").textContent = s.name || s.site;
    var active = $("active");
    if (active.textContent !== numbers.format(s.active_now)) {
      active.classList.add("bump");
      requestAnimationFrame(function () { active.classList.remove("bump"); });
    }
    setNumber("active", s.active_now);
    fitWidth(active);
    setNumber("kpi-pageviews", s.last_30m.pageviews);
    setNumber("kpi-visitors", s.last_30m.visitors);
    setNumber("kpi-sessions", s.last_30m.sessions);
    setNumber("kpi-new", s.last_30m.new_visitors);
    setNumber("today-pageviews", s.today.pageviews);
    setNumber("today-visitors", s.today.visitors);
    $("today-label").title = s.today.date;
    renderChart(s.minutes);
    renderList($("pages"), s.top.pages, function (k) { return k; });
    renderList($("sources"), s.top.sources, function (k) { return k; });
    renderList($("countries"), s.top.countries, country);
    renderMap(s.top.countries);
    renderFeed(s.recent);
  }

  /* "12,345" must fit its panel: shrink the number in 10% steps until it does (at most 12). */
  function fitWidth(el) {
    el.style.fontSize = "";
    for (var i = 0; i < 12 && el.scrollWidth > el.clientWidth; i++) {
      el.style.fontSize = parseFloat(getComputedStyle(el).fontSize) * 0.9 + "px";
    }
  }

  function setStatus(state) {
    status = state;
    $("status").dataset.state = state;
    $("status-label").textContent = state;
    showFreshness();
  }

  /* "updated 2 s ago"; past STALE_AFTER_MS (or offline) the numbers dim and say so. */
  function showFreshness() {
    var label = $("updated");
    if (!receivedAt) {
      label.textContent = "waiting for the first update";
      return;
    }
    var age = Date.now() - receivedAt;
    var stale = age > STALE_AFTER_MS || status === "offline";
    $("wall").dataset.stale = stale ? "yes" : "no";
    var seconds = Math.max(0, Math.round(age / 1000));
    var ago = seconds < 90 ? seconds + " s ago" : Math.round(seconds / 60) + " min ago";
    label.textContent = (stale ? "stale · last update " : "updated ") + ago;
  }

  function tickClock() {
    $("clock").textContent = formatter({ hour: "2-digit", minute: "2-digit" }).format(new Date());
    showFreshness();
  }

  /* The filter a kiosk or share link is locked to (GET .../lock), shown as a chip by the site's
     name: "Only: Germany", "Only: Hostname = shop.example". Asked again every 10 s until the
     server answers (a screen switched on before the server). */
  var OPS = { "==": "=", "!=": "≠", "=~": "contains", "!~": "does not contain" };

  function lockPart(part) {
    var value = part.dimension === "country" ? country(part.value) : (part.value || "(none)");
    if (part.dimension === "country" && part.op === "==") return value;
    return part.label + " " + (OPS[part.op] || part.op) + " " + value;
  }

  function showLock(site) {
    var query = window.PulseLive.linkParams().slice(1);
    var url = "/api/v1/sites/" + encodeURIComponent(site) + "/lock" + (query ? "?" + query : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (lock) {
        if (!lock.filters.length) return;
        var text = "Only: " + lock.filters.map(lockPart).join(" and ");
        $("lock-text").textContent = text;
        $("lock").title = "This screen shows only the visits matching " + lock.filter;
        $("lock").hidden = false;
      })
      .catch(function () { setTimeout(function () { showLock(site); }, 10000); });
  }

  function start() {
    var site = new URLSearchParams(location.search).get("site");
    if (!site) {
      $("wall").hidden = true;
      $("missing").hidden = false;
      return;
    }
    $("site").textContent = site;
    showLock(site);
    initChart();
    initMap();
    tickClock();
    setInterval(tickClock, 1000);
    window.pulseWall = window.PulseLive.connect(site, { onSnapshot: render, onStatus: setStatus });
    window.addEventListener("resize", function () {
      if (lastSnapshot) render(lastSnapshot);
    });
  }

  start();
})();
