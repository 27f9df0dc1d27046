// The console's one script. Every page works without it; with it, a
// campaign's page follows the server-sent events of its stream
// (data-events), writing each count into the element whose data-field
// names it, and stops listening once the campaign is done.
(function () {
  "use strict";
  var page = document.querySelector("[data-events]");
  if (!page || !window.EventSource) {
    return;
  }
  var source = new EventSource(page.getAttribute("data-events"));
  function update(event) {
    var counts = JSON.parse(event.data);
    Object.keys(counts).forEach(function (field) {
      var node = page.querySelector('[data-field="' + field + '"]');
      if (node && typeof counts[field] === "string") {
        node.textContent = counts[field];
      }
    });
  }
  source.addEventListener("progress", update);
  source.addEventListener("done", function (event) {
    update(event);
    source.close();
  });
})();
