// The selection kind's admin page: only the chosen rule's parameters are shown and posted.
// Without this script every rule's fieldset shows, and the server still saves only the chosen
// rule's values.
(function () {
  "use strict";
  function update() {
    var select = document.getElementById("id_rule");
    if (!select) return;
    document.querySelectorAll("fieldset.rule-parameters").forEach(function (fieldset) {
      var shown = fieldset.classList.contains("rule-" + select.value);
      fieldset.hidden = !shown;
      fieldset.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = !shown;
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_rule");
    if (!select) return;
    select.addEventListener("change", update);
    update();
  });
})();
