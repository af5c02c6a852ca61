/*
 * Pulse tracker: one dependency-free file, minified by build.mjs into dist/pulse.min.js.
 * Budget: 1,500 bytes gzipped (tests/sdk/test_size.py). README.md lists every option and
 * exactly what is sent.
 *
 * Rules kept here, with the reason:
 * - never throw into the host page: sends are wrapped, network failures are swallowed
 *   (logged with data-debug only);
 * - no cookies, ever; `cookieless` mode writes no storage at all;
 * - engagement = visible AND focused time, sent as the delta since the page view's previous
 *   engagement event, so a tab close (visibilitychange + pagehide) sends it once, not twice,
 *   and background time is never counted.
 */
(function (w, d) {
  var s = d.currentScript;
  // Loaded twice (a pasted snippet plus a tag manager): the first copy wins.
  if (!s || w.pulse?.l) return;

  var loc = location;
  var nav = navigator;
  var H = history;
  var attr = function (n) {
    return s.getAttribute('data-' + n);
  };
  // A boolean option: present (`data-hash` or `data-hash="true"`) and not "false".
  var flag = function (n) {
    return (n = attr(n)) != null && n != 'false';
  };
  // Without a site the server takes the host of the url.
  var site = attr('site') || attr('domain') || attr('website-id');
  var api = attr('api') || new URL('/api/collect', s.src);
  var debug = flag('debug');
  var hash = flag('hash');
  var cookieless = attr('identity') == 'cookieless';
  var outbound = flag('outbound');
  var files =
    flag('downloads') &&
    /\.(pdf|docx?|xlsx?|pptx?|csv|txt|zip|rar|7z|gz|dmg|exe|msi|apk|mp[34]|mov)$/i;
  // Storage disabled or sandboxed: a plain object keeps the id for this page only.
  var store = {};
  try {
    store = localStorage || store;
  } catch {}
  // data-exclude="/admin/**, /preview/*": `*` is one path segment, `**` anything.
  var exclude = (attr('exclude') || '').split(',').map(function (p) {
    return RegExp(
      '^' +
        p
          .trim()
          .replace(/[^\w/*]/g, '\\$&')
          .replace(/\*\*?/g, function (m) {
            return m[1] ? '.*' : '[^/]*';
          }) +
        '$'
    );
  });
  // Reasons that hold for the page's whole life: Global Privacy Control (honoured unless
  // data-gpc="false"), Do Not Track (with data-dnt), automated browsers (navigator.webdriver,
  // unless data-allow-automation), localhost and file: (unless data-local).
  var off =
    (attr('gpc') != 'false' && nav.globalPrivacyControl) ||
    (flag('dnt') && nav.doNotTrack == '1') ||
    (nav.webdriver && !flag('allow-automation')) ||
    (!flag('local') && /^(localhost|127\.|\[::1\]|$)/.test(loc.hostname));

  var log = function (m, x) {
    debug && console.log('pulse:', m, x);
  };
  // The server rejects a url or referrer over 2,000 characters: a cut URL beats a lost event.
  var cut = function (u) {
    return u.slice(0, 2000);
  };
  var href = function () {
    return cut(hash ? loc.href : loc.href.replace(/#.*/, ''));
  };

  var fail = function (x) {
    log('failed', x);
  };
  var send = function (name, u, extra) {
    try {
      // The opt-out and the excluded paths are read at each event: both may change.
      if (
        off ||
        store.pulse_ignore == 'true' ||
        exclude.some(function (r) {
          return r.test(new URL(u).pathname);
        })
      )
        return log('skipped', name);
      var e = {
        site: site,
        event_type: name,
        url: u,
        screen_width: screen.width,
        screen_height: screen.height,
        language: nav.language,
        hash: hash,
        ...extra
      };
      if (!cookieless)
        // 128 random bits from the CSPRNG as at most 40 digits (the server takes up to 64).
        e.visitor_id = store.pulse_vid ||= crypto.getRandomValues(new Uint32Array(4)).join('');
      log(name, e);
      e = JSON.stringify(e);
      try {
        // A string body goes as text/plain;charset=UTF-8: a "simple" request, no CORS preflight.
        // keepalive lets it outlive the page (tab close, outbound click).
        fetch(api, { method: 'POST', body: e, keepalive: true }).then(function (r) {
          r.ok || fail(r.status);
        }, fail);
      } catch (x) {
        nav.sendBeacon(api, e);
      }
    } catch (x) {
      fail(x);
    }
  };

  // --- engagement: visible and focused time, deepest scroll ---
  var last; // URL of the current page view
  var engaged = 0; // ms engaged since the last engagement event
  var since = 0; // when the running engaged stretch began; 0 while not engaged
  var depth = 0; // deepest scroll position of this page view, percent

  var tick = function () {
    var now = performance.now();
    if (since) engaged += now - since;
    since = !d.hidden && d.hasFocus() ? now : 0;
  };
  var scroll = function () {
    var e = d.documentElement;
    depth = Math.max(
      depth,
      // +.5 | 0 rounds, and turns the NaN of an empty document into 0.
      Math.min(100, ((100 * (scrollY + innerHeight)) / e.scrollHeight + 0.5) | 0)
    );
  };
  // Sends the engagement of page view `last`; `stop` when the page is hidden or left.
  var engage = function (stop) {
    tick();
    if (stop) since = 0;
    if (last && engaged >= 1) {
      scroll();
      send('engagement', last, { engagement_ms: engaged | 0, scroll_depth: depth });
    }
    engaged = 0;
  };

  var page = function () {
    var u = href();
    if (u == last) return; // never two page views of one URL in a row
    engage();
    // After an SPA route change the previous route is the referrer, as after a real navigation.
    send('pageview', u, { referrer: cut(last || d.referrer) });
    last = u;
    depth = 0;
  };

  // --- custom events: pulse(name, {props, interactive, revenue: {amount, currency}}) ---
  var track = function (name, o) {
    // interactive defaults to true on the server; data is dropped from the JSON when undefined.
    send(name, href(), { data: o?.props, interactive: o?.interactive, revenue: o?.revenue });
  };

  var queued = w.pulse?.q;
  w.pulse = track;
  track.l = 1;

  // visibilitychange, scroll and click bubble from the document up to the window.
  // Called bare, a Web IDL method takes the global object (window) as `this`.
  var on = addEventListener;
  ['pushState', 'replaceState'].forEach(function (k) {
    var orig = H[k];
    H[k] = function () {
      orig.apply(this, arguments);
      page();
    };
  });
  on('popstate', page);
  hash && on('hashchange', page);
  // Hidden: send and stop the clock. Visible again: restart it (nothing to send, engaged is 0).
  on('visibilitychange', function () {
    engage(d.hidden);
  });
  on('pagehide', engage);
  // Back/forward cache: the restored page is a new page view, as a reload would be.
  on('pageshow', function (e) {
    e.persisted && ((last = 0), page());
  });
  on('focus', tick);
  on('blur', tick);
  on('scroll', scroll);

  // --- outbound links and downloads ---
  on('click', function (e) {
    var a = e.target.closest?.('a');
    var n =
      a?.href &&
      (files && files.test(a.pathname)
        ? 'File Download'
        : outbound && a.host != loc.host && /^http/.test(a.protocol) && 'Outbound Link: Click');
    n && track(n, { props: { url: cut(a.href) } });
  });

  // A prerendered page counts once the visitor actually sees it.
  d.prerendering ? d.addEventListener('prerenderingchange', page) : page();
  queued?.map(function (a) {
    track(...a);
  });
})(window, document);
