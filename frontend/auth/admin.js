/* Pulse administration page: plain fetch() against /api/admin/*, the session's CSRF token from
   the page's <meta name="csrf-token"> in X-CSRF-Token on every change. No inline handlers. */
(function () {
  "use strict";

  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function api(method, path, body) {
    var init = { method: method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || response.statusText);
        return data;
      });
    });
  }

  function fail(error) { document.getElementById("error").textContent = error.message; }

  function showSecret(value) {
    document.getElementById("secret-value").textContent = value;
    document.getElementById("secret").classList.remove("hidden");
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    row.appendChild(td);
    return td;
  }

  function button(row, label, onClick) {
    var b = document.createElement("button");
    b.className = "danger";
    b.textContent = label;
    b.addEventListener("click", onClick);
    cell(row, "").appendChild(b);
  }

  function fill(id, items, columns, action) {
    var body = document.querySelector("#" + id + " tbody");
    body.textContent = "";
    items.forEach(function (item) {
      var row = document.createElement("tr");
      columns(item).forEach(function (text) { cell(row, text); });
      if (action) button(row, action.label, function () { action.run(item); });
      body.appendChild(row);
    });
  }

  function values(form) {
    var out = {};
    new FormData(form).forEach(function (value, key) { out[key] = value; });
    return out;
  }

  function loadSites() {
    return api("GET", "/api/admin/sites").then(function (sites) {
      fill("sites", sites, function (s) {
        return [s.domain, s.name, s.timezone, s.identity_mode, s.allowed_hostnames.join(", "),
                s.excluded_ips.join(", "), s.excluded_paths.join(", ")];
      }, { label: "Remove", run: function (s) {
        if (!window.confirm("Remove " + s.domain + " and all its data?")) return;
        api("DELETE", "/api/admin/sites/" + encodeURIComponent(s.domain)).then(refresh, fail);
      } });
      return Promise.all(sites.map(function (s) {
        return api("GET", "/api/admin/sites/" + encodeURIComponent(s.domain) + "/shares");
      }));
    }).then(function (lists) {
      var links = [].concat.apply([], lists).filter(function (l) { return !l.revoked_at; });
      fill("shares", links, function (l) {
        return [l.domain, location.origin + l.path, l.has_password ? "yes" : "no"];
      }, { label: "Revoke", run: function (l) {
        api("DELETE", "/api/admin/shares/" + l.id).then(refresh, fail);
      } });
    });
  }

  function loadAdmin() {
    api("GET", "/api/admin/users").then(function (users) {
      fill("users", users, function (u) {
        var roles = Object.keys(u.roles).map(function (k) { return k + ": " + u.roles[k]; });
        return [u.email + " (#" + u.id + ")", u.is_admin ? "yes" : "", roles.join(", ")];
      }, { label: "Delete", run: function (u) {
        api("DELETE", "/api/admin/users/" + u.id).then(refresh, fail);
      } });
    }, fail);
    api("GET", "/api/admin/tokens").then(function (tokens) {
      fill("tokens", tokens, function (t) {
        return [t.prefix + "…", t.scope, t.site_domain, t.label, t.revoked_at ? "yes" : ""];
      }, { label: "Revoke", run: function (t) {
        api("DELETE", "/api/admin/tokens/" + t.id).then(refresh, fail);
      } });
    }, fail);
  }

  function refresh() {
    api("GET", "/api/me").then(function (me) {
      document.getElementById("whoami").textContent = me.user ? me.user.email : me.kind;
      document.querySelectorAll(".admin-only").forEach(function (el) {
        el.classList.toggle("hidden", !me.admin);
      });
      if (me.admin) loadAdmin();
    }, fail);
    loadSites().catch(fail);
  }

  function onSubmit(id, handler) {
    document.getElementById(id).addEventListener("submit", function (event) {
      event.preventDefault();
      handler(values(event.target)).then(function (result) {
        event.target.reset();
        refresh();
        return result;
      }).catch(fail);
    });
  }

  onSubmit("site-form", function (v) { return api("POST", "/api/admin/sites", v); });
  onSubmit("rules-form", function (v) {
    var domain = v.domain; delete v.domain;
    return api("PATCH", "/api/admin/sites/" + encodeURIComponent(domain), v);
  });
  onSubmit("share-form", function (v) {
    return api("POST", "/api/admin/sites/" + encodeURIComponent(v.site) + "/shares",
               { password: v.password || null });
  });
  onSubmit("user-form", function (v) { return api("POST", "/api/admin/users", v); });
  onSubmit("role-form", function (v) {
    return api("PUT", "/api/admin/users/" + encodeURIComponent(v.user_id) + "/roles/" +
               encodeURIComponent(v.site), { role: v.role || null });
  });
  onSubmit("token-form", function (v) {
    return api("POST", "/api/admin/tokens", v).then(function (r) { showSecret(r.token); });
  });
  refresh();
})();
