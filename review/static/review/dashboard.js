/* The dashboard's few behaviours: open and close dialogs; pause the board's (and the job page's)
   refresh while a dialog is open or the tab is hidden (a polling request of an element marked
   data-poll is cancelled while dashboardRefreshAllowed() says no; htmx evaluates no strings:
   the CSP forbids eval), and poll at once when the tab is shown again; make polls conditional. */
(function () {
  "use strict";

  window.dashboardRefreshAllowed = function () {
    return document.visibilityState !== "hidden" && !document.querySelector("dialog[open]");
  };

  // A poll asks "changed since what I show?": the element's data-etag goes as If-None-Match,
  // and the server's 304 swaps nothing (responseHandling in base.html's htmx-config), so the
  // element stays as it is and keeps polling. A conditional header set by the page also keeps
  // the browser's HTTP cache out of the exchange: the script sees the 304 itself, not a 200
  // carrying a cached body (which htmx would swap in).
  document.addEventListener("htmx:configRequest", function (event) {
    var etag = event.detail.elt && event.detail.elt.getAttribute("data-etag");
    if (etag && event.detail.verb === "get") event.detail.headers["If-None-Match"] = etag;
  });

  // Shown again: look at once (hx-trigger "poll-now from:body") rather than at the next tick.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && window.htmx) {
      window.htmx.trigger(document.body, "poll-now");
    }
  });

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
