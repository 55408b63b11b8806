/* Keyboard shortcuts of the review pages (admin review page, dashboard job page), listed on the
   page (templates/review/_gate_nav.html). Each key clicks or focuses the element marked with its
   data-shortcut name; nothing happens while typing in a field or with a modifier held. A static
   file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  // Once per document: htmx's refresh of a working job's page runs this file again.
  if (window.reviewShortcutsOn) return;
  window.reviewShortcutsOn = true;

  var KEYS = { a: "approve", A: "approve-next", j: "next", k: "prev", s: "reason", "?": "help" };

  function typing(target) {
    if (!target || !target.tagName) return false;
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function toggleList() {
    var list = document.getElementById("shortcut-list");
    if (!list) return;
    list.hidden = !list.hidden;
    var button = document.querySelector('[data-shortcut="help"]');
    if (button) button.setAttribute("aria-expanded", String(!list.hidden));
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target)) {
      event.target.blur();
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    var name = KEYS[event.key];
    if (!name) return;
    if (name === "help") {
      event.preventDefault();
      toggleList();
      return;
    }
    var target = document.querySelector('[data-shortcut="' + name + '"]');
    if (!target) return;
    event.preventDefault();
    if (name === "reason") {
      target.focus();
      target.scrollIntoView({ block: "center" });
    } else {
      target.click();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest('[data-shortcut="help"]')) toggleList();
  });
})();
