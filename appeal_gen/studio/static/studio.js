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
  // The raw-text editor of a spec that does not read as YAML: the cursor
  // starts on the line check names.
  function toLine(area) {
    var line = parseInt(area.dataset.line, 10);
    if (!line || area.dataset.placed) return;
    area.dataset.placed = "1";
    var lines = area.value.split("\n");
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
    var end = start + (lines[line - 1] || "").length;
    area.focus();
    area.setSelectionRange(start, end);
    var lineHeight = area.scrollHeight / Math.max(lines.length, 1);
    area.scrollTop = Math.max(0, (line - 4) * lineHeight);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-line]").forEach(toLine);
  });
  // After a list's add, remove or move the form is new: the keyboard focus
  // goes where the server says (views.focus_after), not back to the top.
  function refocus() {
    var marker = document.getElementById("form-focus");
    if (!marker) return;
    var target = document.getElementById(marker.dataset.focus);
    marker.remove();
    if (!target) return;
    if (target.tagName === "BUTTON" && target.disabled) {
      target = target.parentNode.querySelector("button:not([disabled])");
    } else if (!target.matches("button, input, textarea, select")) {
      target = target.querySelector("input, textarea, select") || target.querySelector("button:not([disabled])");
    }
    if (target) {
      target.focus();
      target.scrollIntoView({ block: "nearest" });
    }
  }
  // A field's problems were replaced: its outline and aria-invalid follow them.
  function markField(box) {
    var field = box.closest(".field");
    var input = field && field.querySelector("[data-path]");
    if (!input) return;
    var bad = !!box.querySelector("p.problem");
    field.classList.toggle("has-problem", bad);
    if (bad) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  document.addEventListener("htmx:afterSettle", function (e) {
    var target = e.detail && e.detail.target;
    if (target && target.classList && target.classList.contains("field-problems")) markField(target);
    refocus();
    document.querySelectorAll("[data-events]").forEach(follow);
  });
})();
