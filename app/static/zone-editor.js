// The zone editor: draw co-brand zones on a design's pages (SVG over page images, in mm).
// Mouse, touch and pen draw and move zones; arrow keys move the selected zone by 1 mm,
// Shift + arrows resize it, Delete removes it. Every change refreshes the live preview.
"use strict";

(function () {
  const root = document.getElementById("zone-editor");
  if (!root) return;
  const SVG = "http://www.w3.org/2000/svg";
  const pages = JSON.parse(root.dataset.pages);
  let zones = JSON.parse(root.dataset.zones || "[]");
  let selected = zones.length ? 0 : -1;
  const form = document.getElementById("ze-zone-form");
  const list = root.querySelector(".ze-zone-list");
  const newKind = document.getElementById("ze-new-kind");
  const hidden = document.getElementById("ze-zones-input");
  const partner = document.getElementById("ze-partner");
  const partnerInput = document.getElementById("ze-partner-input");
  const preview = document.getElementById("ze-preview");
  const status = root.querySelector(".ze-preview-status");
  const svgs = [];
  const round = (v) => Math.round(v * 10) / 10;
  const DEFAULTS = {
    name: { weight: 700, max_size_pt: 16, min_size_pt: 9 },
    contact: { max_size_pt: 10, min_size_pt: 7, fields: ["phone", "email", "website"] },
    text: { text: "{{ partner.name }}", max_size_pt: 12, min_size_pt: 8 },
    link: { max_size_pt: 10, min_size_pt: 7 },
  };

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // --- Pages: an image with an SVG on top whose user units are the page's millimetres ---------
  pages.forEach((page, index) => {
    const figure = document.createElement("figure");
    figure.className = "ze-page";
    const img = document.createElement("img");
    img.src = page.url;
    img.alt = `Page ${index + 1} of the design`;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", `0 0 ${page.width_mm} ${page.height_mm}`);
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("aria-label", `Zones on page ${index + 1}: drag to draw a new zone`);
    svg.dataset.page = String(index + 1);
    const caption = document.createElement("figcaption");
    caption.className = "small muted";
    caption.textContent = `Page ${index + 1} · ${round(page.width_mm)} × ${round(page.height_mm)} mm`;
    const sheet = document.createElement("div");
    sheet.className = "ze-sheet";
    sheet.append(img, svg);
    figure.append(sheet, caption);
    root.querySelector(".ze-page-list").append(figure);
    svgs.push(svg);
    svg.addEventListener("pointerdown", (event) => startPointer(event, index + 1, svg));
  });

  function toMm(event, svg, page) {
    const box = svg.getBoundingClientRect();
    return {
      x: Math.min(Math.max(((event.clientX - box.left) / box.width) * page.width_mm, 0), page.width_mm),
      y: Math.min(Math.max(((event.clientY - box.top) / box.height) * page.height_mm, 0), page.height_mm),
    };
  }

  // --- Pointer: drag on the page draws a zone, drag on a zone moves it -------------------------
  function startPointer(event, pageNumber, svg) {
    if (event.button !== 0) return;
    event.preventDefault();
    const page = pages[pageNumber - 1];
    const start = toMm(event, svg, page);
    const hit = event.target.closest ? event.target.closest("[data-zone]") : null;
    svg.setPointerCapture(event.pointerId);
    let draft = null;
    let moving = null;
    if (hit) {
      select(Number(hit.dataset.zone));
      const zone = zones[selected];
      moving = { zone, x: zone.x_mm, y: zone.y_mm };
    } else {
      draft = document.createElementNS(SVG, "rect");
      draft.setAttribute("class", "ze-draft");
      svg.append(draft);
    }
    function move(e) {
      const at = toMm(e, svg, page);
      if (moving) {
        moving.zone.x_mm = round(Math.min(Math.max(moving.x + at.x - start.x, 0), page.width_mm - moving.zone.width_mm));
        moving.zone.y_mm = round(Math.min(Math.max(moving.y + at.y - start.y, 0), page.height_mm - moving.zone.height_mm));
        render();
      } else {
        draft.setAttribute("x", Math.min(start.x, at.x));
        draft.setAttribute("y", Math.min(start.y, at.y));
        draft.setAttribute("width", Math.abs(at.x - start.x));
        draft.setAttribute("height", Math.abs(at.y - start.y));
      }
    }
    function end(e) {
      svg.removeEventListener("pointermove", move);
      svg.removeEventListener("pointerup", end);
      svg.removeEventListener("pointercancel", end);
      if (draft) {
        draft.remove();
        const at = toMm(e, svg, page);
        const width = Math.abs(at.x - start.x);
        const height = Math.abs(at.y - start.y);
        if (width >= 2 && height >= 2) {
          const kind = newKind.value;
          zones.push({
            page: pageNumber, kind, x_mm: round(Math.min(start.x, at.x)), y_mm: round(Math.min(start.y, at.y)),
            width_mm: round(width), height_mm: round(height), ...(DEFAULTS[kind] || {}),
          });
          selected = zones.length - 1;
        }
      }
      changed();
      focusSelected();
    }
    svg.addEventListener("pointermove", move);
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
  }

  // --- Keyboard: arrows move, Shift + arrows resize, Delete removes ---------------------------
  function onKey(event) {
    if (selected < 0) return;
    const zone = zones[selected];
    const page = pages[zone.page - 1];
    const step = event.altKey ? 0.1 : 1;
    const delta = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[event.key];
    if (delta) {
      event.preventDefault();
      if (event.shiftKey) {
        zone.width_mm = round(Math.max(1, Math.min(zone.width_mm + delta[0], page.width_mm - zone.x_mm)));
        zone.height_mm = round(Math.max(1, Math.min(zone.height_mm + delta[1], page.height_mm - zone.y_mm)));
      } else {
        zone.x_mm = round(Math.min(Math.max(zone.x_mm + delta[0], 0), page.width_mm - zone.width_mm));
        zone.y_mm = round(Math.min(Math.max(zone.y_mm + delta[1], 0), page.height_mm - zone.height_mm));
      }
      changed();
      focusSelected();
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      remove();
    }
  }

  function remove() {
    if (selected < 0) return;
    zones.splice(selected, 1);
    selected = Math.min(selected, zones.length - 1);
    changed();
  }

  function select(index) {
    selected = index;
    render();
    fillForm();
  }

  function focusSelected() {
    const rect = root.querySelector(`rect[data-zone="${selected}"]`);
    if (rect) rect.focus();
  }

  // --- Drawing the zones, the list and the form -------------------------------------------------
  function label(zone, index) {
    return `${index + 1}. ${zone.kind} · page ${zone.page} · ${zone.x_mm}, ${zone.y_mm} mm · ${zone.width_mm} × ${zone.height_mm} mm`;
  }

  function render() {
    svgs.forEach((svg) => svg.querySelectorAll("[data-zone], .ze-label").forEach((el) => el.remove()));
    zones.forEach((zone, index) => {
      const svg = svgs[zone.page - 1];
      if (!svg) return;
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", zone.x_mm);
      rect.setAttribute("y", zone.y_mm);
      rect.setAttribute("width", zone.width_mm);
      rect.setAttribute("height", zone.height_mm);
      rect.setAttribute("class", `ze-zone ze-${zone.kind}${index === selected ? " is-selected" : ""}`);
      rect.setAttribute("tabindex", "0");
      rect.setAttribute("role", "button");
      rect.setAttribute("aria-label", `Zone ${label(zone, index)}`);
      rect.dataset.zone = String(index);
      rect.addEventListener("keydown", onKey);
      rect.addEventListener("focus", () => { if (selected !== index) { selected = index; fillForm(); markSelected(); } });
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", zone.x_mm + 1);
      text.setAttribute("y", zone.y_mm + 4);
      text.setAttribute("class", "ze-label");
      text.textContent = `${index + 1} ${zone.kind}`;
      svg.append(rect, text);
    });
    list.textContent = "";
    zones.forEach((zone, index) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = `ze-zone-button${index === selected ? " is-selected" : ""}`;
      button.textContent = label(zone, index);
      button.addEventListener("click", () => { select(index); focusSelected(); });
      item.append(button);
      list.append(item);
    });
    if (!zones.length) {
      const item = document.createElement("li");
      item.className = "muted small";
      item.textContent = "No zones yet: drag on a page to draw one.";
      list.append(item);
    }
  }

  function markSelected() {
    root.querySelectorAll("rect[data-zone]").forEach((rect) => {
      rect.classList.toggle("is-selected", Number(rect.dataset.zone) === selected);
    });
  }

  function fillForm() {
    form.hidden = selected < 0;
    if (selected < 0) return;
    const zone = zones[selected];
    for (const element of form.elements) {
      if (!element.name) continue;
      if (element.name === "fields") {
        element.checked = (zone.fields || DEFAULTS.contact.fields).includes(element.value);
      } else if (element.name in zone) {
        element.value = zone[element.name];
      } else {
        element.value = { align: "left", valign: "middle", weight: "400", color: "", background: "", font: "" }[element.name] ?? "";
      }
    }
    form.querySelector("[name=text]").closest("label").hidden = zone.kind !== "text";
    form.querySelector("fieldset").hidden = zone.kind !== "contact";
  }

  const NUMBERS = ["page", "x_mm", "y_mm", "width_mm", "height_mm", "weight", "max_size_pt", "min_size_pt"];
  form.addEventListener("input", (event) => {
    const element = event.target;
    if (selected < 0 || !element.name) return;
    const zone = zones[selected];
    if (element.name === "fields") {
      zone.fields = [...form.querySelectorAll("[name=fields]:checked")].map((box) => box.value);
    } else if (NUMBERS.includes(element.name)) {
      if (element.value === "") delete zone[element.name];
      else zone[element.name] = Number(element.value);
    } else if (element.value === "") {
      delete zone[element.name];
    } else {
      zone[element.name] = element.value;
    }
    if (element.name === "kind") Object.assign(zone, { ...(DEFAULTS[zone.kind] || {}), ...zone });
    changed({ keepForm: true });
  });
  document.getElementById("ze-delete").addEventListener("click", remove);

  // --- Saving and the live preview --------------------------------------------------------------
  function cleaned() {
    return zones.map((zone) => {
      const copy = { ...zone };
      if (copy.kind !== "contact") delete copy.fields;
      if (copy.kind !== "text") delete copy.text;
      return copy;
    });
  }

  let pending = null;
  let generation = 0;
  async function refreshPreview() {
    const mine = ++generation;
    status.textContent = "Rendering the preview…";
    root.dataset.previewState = "loading";
    let response;
    try {
      response = await fetch(root.dataset.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ zones: cleaned(), partner: partner.value }),
      });
    } catch (err) {
      status.textContent = "The preview could not be loaded.";
      return;
    }
    if (mine !== generation) return;
    if (!response.ok) {
      status.textContent = await response.text();
      root.dataset.previewState = "error";
      return;
    }
    const blob = await response.blob();
    if (preview.src.startsWith("blob:")) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(blob);
    status.textContent = `Preview for ${partner.options[partner.selectedIndex].text}, ${zones.length} zone(s).`;
    root.dataset.previewState = "ready";
    root.dataset.previewGeneration = String(mine);
  }

  function changed(options = {}) {
    render();
    if (!options.keepForm) fillForm();
    if (hidden) hidden.value = JSON.stringify(cleaned());
    clearTimeout(pending);
    pending = setTimeout(refreshPreview, 400);
  }

  partner.addEventListener("change", () => {
    if (partnerInput) partnerInput.value = partner.value;
    refreshPreview();
  });
  const saveForm = document.getElementById("ze-save-form");
  if (saveForm) saveForm.addEventListener("submit", () => { hidden.value = JSON.stringify(cleaned()); });

  render();
  fillForm();
  refreshPreview();
})();
