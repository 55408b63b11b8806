/* The Stage 2 matching view (admin review page and dashboard job page): beside the table, the
   design with the selected row's PSD layer outlined, and a schematic of the template composition
   with the placeholder's box highlighted. Data: the json_script block #match-geometry; rows carry
   data-composition, data-layer-index and data-psd-layer (or a layer <select>). No inline scripts. */
(function () {
  "use strict";

  function geometry() {
    var node = document.getElementById("match-geometry");
    return node ? JSON.parse(node.textContent) : null;
  }

  function pct(value, total) {
    return (100 * value / total).toFixed(4) + "%";
  }

  function place(el, bbox, width, height) {
    el.style.left = pct(bbox[0], width);
    el.style.top = pct(bbox[1], height);
    el.style.width = pct(Math.max(0, bbox[2] - bbox[0]), width);
    el.style.height = pct(Math.max(0, bbox[3] - bbox[1]), height);
  }

  function chosenLayer(row) {
    var select = row.querySelector('select[name$="_layer"]');
    return select ? select.value : (row.getAttribute("data-psd-layer") || "");
  }

  function showDesign(view, geo, row) {
    var outline = view.querySelector("[data-mv-outline]");
    var caption = view.querySelector("[data-mv-design-caption]");
    if (!outline) return;
    var id = chosenLayer(row);
    var layer = id ? geo.psd.layers[id] : null;
    if (layer && layer.bbox && geo.psd.width && geo.psd.height) {
      place(outline, layer.bbox, geo.psd.width, geo.psd.height);
      outline.hidden = false;
      outline.setAttribute("data-layer-id", id);
      caption.textContent = "Design: " + layer.name;
    } else {
      outline.hidden = true;
      outline.removeAttribute("data-layer-id");
      caption.textContent = layer ? "Design: " + layer.name + " (no box)" : "Design: no layer chosen";
    }
  }

  function showSchematic(view, geo, row) {
    var box = view.querySelector("[data-mv-schematic]");
    var note = view.querySelector("[data-mv-note]");
    var caption = view.querySelector("[data-mv-template-caption]");
    if (!box) return;
    var name = row.getAttribute("data-composition");
    var index = Number(row.getAttribute("data-layer-index"));
    var comp = geo.compositions[name];
    box.innerHTML = "";
    note.hidden = true;
    if (!comp || !comp.width || !comp.height) {
      box.style.aspectRatio = "";
      caption.textContent = "Template: composition " + name + " not described";
      return;
    }
    box.style.aspectRatio = comp.width + " / " + comp.height;
    box.setAttribute("data-composition", name);
    caption.textContent = "Template: " + name + " (" + comp.width + "×" + comp.height + ")";
    var selectedKnown = false;
    comp.layers.forEach(function (layer) {
      var selected = layer.index === index;
      if (!layer.bbox) return;
      var el = document.createElement("div");
      el.className = "mv-layer" + (selected ? " mv-selected" : "") + (layer.placeholder ? " mv-placeholder" : "");
      el.title = "#" + layer.index + " " + layer.name;
      el.setAttribute("data-layer-index", String(layer.index));
      if (selected) {
        el.setAttribute("data-testid", "schematic-selected");
        selectedKnown = true;
      }
      place(el, layer.bbox, comp.width, comp.height);
      box.appendChild(el);
    });
    if (!selectedKnown) note.hidden = false;
  }

  function select(row) {
    var view = document.querySelector("[data-match-view]");
    var geo = geometry();
    if (!view || !geo || !row) return;
    var table = row.closest("table");
    Array.prototype.forEach.call(table.querySelectorAll("tr[data-match-row]"), function (r) {
      r.classList.toggle("mv-row-selected", r === row);
      r.setAttribute("aria-selected", r === row ? "true" : "false");
    });
    var label = view.querySelector("[data-mv-placeholder]");
    if (label) label.textContent = row.getAttribute("data-placeholder") || "";
    showDesign(view, geo, row);
    showSchematic(view, geo, row);
  }

  // The thumbnail (or, for a type layer, its text) beside the select follows the choice.
  function followChoice(selectEl) {
    var row = selectEl.closest("tr");
    var option = selectEl.options[selectEl.selectedIndex];
    var img = row.querySelector("img.thumb");
    var text = row.querySelector("[data-layer-text]");
    if (img) {
      if (option && option.dataset.thumb) { img.src = option.dataset.thumb; img.hidden = false; } else { img.hidden = true; }
    }
    if (text) {
      var value = option && option.dataset.text ? option.dataset.text : "";
      text.textContent = value;
      text.hidden = !value;
    }
  }

  function init() {
    var first = document.querySelector("tr[data-match-row]");
    if (first) select(first);
  }

  document.addEventListener("click", function (event) {
    var row = event.target.closest("tr[data-match-row]");
    if (row) select(row);
  });

  document.addEventListener("change", function (event) {
    if (!event.target.matches('tr[data-match-row] select[name$="_layer"]')) return;
    followChoice(event.target);
    select(event.target.closest("tr"));
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
  document.addEventListener("htmx:afterSwap", init);
})();
