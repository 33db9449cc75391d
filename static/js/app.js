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

  // --- The task window: a manager makes a hundred calls a day, so the keyboard does it all.
  function typing(target) {
    return target.closest("input[type=text], input[type=number], input[type=search], input[type=datetime-local], textarea, select, [contenteditable]");
  }

  function click(selector) {
    var element = document.querySelector(selector);
    if (element) element.click();
    return Boolean(element);
  }

  document.addEventListener("keydown", function (event) {
    var form = document.getElementById("result-form");
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && form) {
      event.preventDefault();
      click(event.shiftKey ? "[data-shortcut=save-next]" : "[data-shortcut=save]");
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "?") {
      var help = document.getElementById("shortcuts");
      if (help) {
        event.preventDefault();
        help.hidden = !help.hidden;
      }
      return;
    }
    if (form && /^[1-5]$/.test(event.key)) {
      var radio = form.querySelector(".outcome-choice[data-key='" + event.key + "'] input");
      if (radio) {
        event.preventDefault();
        radio.checked = true;
        radio.focus();
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-shortcuts-toggle]");
    if (toggle) {
      var help = document.getElementById("shortcuts");
      if (help) help.hidden = !help.hidden;
      return;
    }
    // «Добавить заявку…» / «Привлечь исполнителя» in the result open their part of the form.
    var opener = event.target.closest("[data-open-part]");
    if (opener) {
      var part = document.getElementById(opener.getAttribute("data-open-part"));
      if (part) {
        part.open = true;
        part.scrollIntoView({ block: "nearest" });
        var first = part.querySelector(".part-fields select, .part-fields input, .part-fields textarea");
        if (first) first.focus();
      }
    }
  });

  // Opening a planned part switches it on; closing it switches it off (the box stays for
  // browsers without JavaScript).
  document.addEventListener("toggle", function (event) {
    var part = event.target;
    if (!(part instanceof HTMLDetailsElement) || !part.classList.contains("part")) return;
    var enabled = part.querySelector("input[name$='-enabled']");
    if (enabled) enabled.checked = part.open;
  }, true);

  // After «Интервью» the result list appears: the focus goes into it so the arrows choose;
  // after any other re-draw it stays on what was chosen.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "fill-list") return;
    var fields = document.getElementById("result-fields");
    if (!fields) return;
    var focus = fields.querySelector(".interview-results input:checked")
      || fields.querySelector(".interview-results input")
      || fields.querySelector(".outcomes input:checked");
    if (focus) focus.focus();
  });
})();

// «Этапы сделок»: ↑ and ↓ move through the list's rows, Enter opens the focused one (its link
// asks htmx for the worksheet beside the list). «Поставить» ticks every row shown.
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    var links = Array.prototype.slice.call(document.querySelectorAll("[data-stage-rows] a.row-open"));
    if (!links.length) return;
    var index = links.indexOf(target.closest ? target.closest("a.row-open") : null);
    if (index === -1) {
      var selected = document.querySelector("[data-stage-rows] tr[aria-selected=true] a.row-open");
      index = selected ? links.indexOf(selected) : -1;
      if (index === -1) index = event.key === "ArrowDown" ? -1 : links.length;
    }
    var next = index + (event.key === "ArrowDown" ? 1 : -1);
    if (next < 0 || next >= links.length) return;
    event.preventDefault();
    links[next].focus();
  });

  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-check-all]");
    if (!all) return;
    document.querySelectorAll("input[type=checkbox][form=reassign-form]").forEach(function (box) {
      box.checked = all.checked;
    });
  });

  document.addEventListener("click", function (event) {
    var check = event.target.closest("[data-check-all-tasks], [data-uncheck-all]");
    if (!check) return;
    var on = check.hasAttribute("data-check-all-tasks");
    document.querySelectorAll("input[type=checkbox][form=reassign-form]").forEach(function (box) {
      box.checked = on;
    });
  });

  // The chosen row is marked when htmx brings its worksheet in.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "stage-detail") return;
    var link = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!link || !link.closest) return;
    document.querySelectorAll("[data-stage-rows] tr[aria-selected]").forEach(function (row) {
      row.removeAttribute("aria-selected");
    });
    var row = link.closest("tr");
    if (row) row.setAttribute("aria-selected", "true");
  });
})();

// «Загрузить из файла»: a variant button opens the file chooser at once and the chosen file
// is sent; the select and «Загрузить» are there for a browser without JavaScript.
(function () {
  "use strict";
  document.querySelectorAll("form[data-importer-upload]").forEach(function (form) {
    var quick = form.querySelector("[data-importer-quick]");
    var select = form.querySelector("select[name=variant]");
    var input = form.querySelector("input[type=file][name=file]");
    if (!quick || !select || !input) return;
    quick.hidden = false;
    form.querySelectorAll("[data-importer-plain]").forEach(function (element) {
      element.hidden = true;
    });
    // The file field's own messages (a refused file) stay visible; its input hides.
    var label = input.closest(".field").querySelector("label");
    if (label) label.hidden = true;
    input.hidden = true;
    quick.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-variant]");
      if (!button) return;
      select.value = button.dataset.variant;
      input.value = "";
      input.click();
    });
    input.addEventListener("change", function () {
      if (!input.files.length) return;
      quick.querySelectorAll("button").forEach(function (button) {
        button.disabled = true;
      });
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  });
})();
