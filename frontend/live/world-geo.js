/* The world map's shapes, shared by the dashboard and the wall: Natural Earth's 1:110m
   countries (world-atlas, TopoJSON) turned into GeoJSON by topojson-client, each feature named
   by its ISO alpha-2 code (i18n-iso-countries' table: world-atlas keys countries by ISO
   numeric), so the API's and the live snapshot's codes match it. All three are served by Pulse
   from node_modules: nothing is fetched from elsewhere. Registered once per page. */
(function () {
  "use strict";

  var ready = null;

  /* ECharts draws longitude as a plane: a ring crossing the antimeridian (Russia's east, Fiji)
     would be drawn as a line across the map. Its western points move past +180 instead. */
  function unwrap(geometry) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates]
      : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    polygons.flat().forEach(function (ring) {
      var lons = ring.map(function (point) { return point[0]; });
      if (Math.max.apply(null, lons) - Math.min.apply(null, lons) <= 180) return;
      ring.forEach(function (point) { if (point[0] < 0) point[0] += 360; });
    });
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.json();
    });
  }

  /** Registers the map as "pulse-world"; resolves true once done (the same promise after). */
  function register() {
    ready = ready || Promise.all([
      fetchJson("/assets/vendor/countries-110m.json"),
      fetchJson("/assets/vendor/country-codes.json"),
    ]).then(function (both) {
      var topology = both[0];
      var alpha2 = new Map(both[1].map(function (c) { return [c[2], c[0]]; }));
      var world = window.topojson.feature(topology, topology.objects.countries);
      // Antarctica takes a fifth of the height and has no visitors.
      world.features = world.features.filter(function (f) { return String(f.id) !== "010"; });
      world.features.forEach(function (feature) {
        unwrap(feature.geometry);
        var code = alpha2.get(String(feature.id).padStart(3, "0"));
        feature.properties = { name: code || feature.properties.name };
      });
      window.echarts.registerMap("pulse-world", world);
      return true;
    });
    return ready;
  }

  window.PulseWorldGeo = { register: register };
})();
