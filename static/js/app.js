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
})();
