// АРМ менеджер CRM — the little JavaScript htmx does not cover. No inline scripts (CSP).
(function () {
  "use strict";

  // A region marked data-swap-errors shows the server's 400 answer (the form with its
  // message) instead of htmx's default of ignoring error responses.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (detail.xhr.status === 400 && detail.target && detail.target.closest("[data-swap-errors]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  // "/" anywhere outside a field jumps to the client search in the header, as managers look
  // clients up all day long.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    var search = document.querySelector(".topbar-search input[name=q]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });
})();
