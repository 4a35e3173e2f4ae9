// clusterkg's query editor: YASGUI (vendored, see vendor/*/PROVENANCE.md) on this server's
// endpoint, with the example queries as tabs. Nothing is fetched from elsewhere: YASQE's
// class and property completion, which asks an outside service (LOV), is turned off.
(function () {
  "use strict";
  var el = document.getElementById("yasgui");
  if (!el || !window.Yasgui) { return; }
  var endpoint = el.getAttribute("data-endpoint");
  var examples = JSON.parse(el.getAttribute("data-examples") || "[]");
  var Yasqe = window.Yasgui.Yasqe;
  if (Yasqe && Yasqe.defaults && Yasqe.defaults.autocompleters) {
    Yasqe.defaults.autocompleters = Yasqe.defaults.autocompleters.filter(function (name) {
      return name !== "class" && name !== "property";
    });
  }
  var yasgui = new window.Yasgui(el, {
    requestConfig: { endpoint: endpoint, method: "POST", acceptHeaderSelect: "application/sparql-results+json" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } }
  });
  var first = yasgui.getTab();
  examples.forEach(function (example, i) {
    var config = { name: example.title, yasqe: { value: example.query }, requestConfig: { endpoint: endpoint } };
    if (i === 0 && first && !new URLSearchParams(window.location.search).has("query")) {
      first.setName(example.title);
      first.setQuery(example.query);
    } else {
      yasgui.addTab(false, config);
    }
  });
  window.clusterkgEditor = yasgui;
})();
