// appeal-gen studio: the one script besides htmx. Follows a batch run's
// server-sent events into its progress bar, then loads the result.
(function () {
  "use strict";
  function follow(el) {
    if (el.dataset.following) return;
    el.dataset.following = "1";
    var bar = el.querySelector("progress");
    var count = el.querySelector("#batch-count");
    var source = new EventSource(el.dataset.events);
    function show(data) {
      var d = JSON.parse(data);
      bar.max = Math.max(d.total, 1);
      bar.value = d.done;
      count.textContent = d.done + " of " + d.total + (d.problems ? " (" + d.problems + " with problems)" : "");
    }
    source.addEventListener("progress", function (e) { show(e.data); });
    source.addEventListener("done", function (e) {
      show(e.data);
      source.close();
      htmx.ajax("GET", el.dataset.result, "#batch-result");
    });
  }
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-events]").forEach(follow);
  });
})();
