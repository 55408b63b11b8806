/* The contact sheet's selection: "select all on this page" and the count of selected previews
   (a static file: the Content-Security-Policy allows no inline script). */
(function () {
  "use strict";

  function picks() {
    return Array.prototype.slice.call(document.querySelectorAll("#sheet-form input[name=job]"));
  }

  function refresh() {
    var all = picks();
    var chosen = all.filter(function (box) { return box.checked; }).length;
    var count = document.querySelector("[data-selected-count]");
    if (count) count.textContent = chosen + " selected";
    var master = document.querySelector("[data-select-all]");
    if (master) {
      master.checked = all.length > 0 && chosen === all.length;
      master.indeterminate = chosen > 0 && chosen < all.length;
    }
    all.forEach(function (box) { box.closest(".sheet-card").classList.toggle("picked", box.checked); });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-all]")) {
      var on = event.target.checked;
      picks().forEach(function (box) { box.checked = on; });
    }
    if (event.target.matches("[data-select-all], #sheet-form input[name=job]")) refresh();
  });

  document.addEventListener("DOMContentLoaded", refresh);
})();
