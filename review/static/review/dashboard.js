/* The dashboard's few behaviours: open and close dialogs, and pause the board's refresh while a
   dialog is open (a polling request of an element marked data-poll is cancelled while
   dashboardRefreshAllowed() says no; htmx evaluates no strings: the CSP forbids eval). */
(function () {
  "use strict";

  window.dashboardRefreshAllowed = function () {
    return !document.querySelector("dialog[open]");
  };

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var cause = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    var polled = !cause || cause.type !== "board-refresh";  // htmx's "every" has no event
    if (elt && elt.hasAttribute("data-poll") && polled && !window.dashboardRefreshAllowed()) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog && !dialog.open) dialog.showModal();
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      var open = closer.closest("dialog");
      if (open) open.close();
    }
  });

  // A new file makes the last report (and its Import button) stale.
  document.addEventListener("change", function (event) {
    if (event.target.matches("#upload-form input[type=file]")) {
      var report = document.getElementById("upload-report");
      if (report) report.innerHTML = "";
    }
  });

  // Closing the dialog after an import: refresh the board at once.
  document.addEventListener("close", function (event) {
    if (event.target.id === "upload-dialog" && window.htmx) {
      window.htmx.trigger(document.body, "board-refresh");
    }
  }, true);
})();
