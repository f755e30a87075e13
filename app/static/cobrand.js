// Cobrand pages: small progressive enhancements. Every page works without this file.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Colour swatches carry their colour in data-color (the CSP allows no inline styles).
function paintSwatches() {
  document.querySelectorAll("[data-color]").forEach((el) => {
    el.style.background = el.dataset.color;
  });
}

// Progress bars poll their JSON endpoint until the publish (or import) is complete.
function watchProgress(block) {
  const url = block.dataset.progressUrl;
  const bar = block.querySelector("progress");
  const text = block.querySelector(".progress-text");
  const detail = block.querySelector(".progress-detail");
  async function tick() {
    let data;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      data = await response.json();
    } catch (err) {
      setTimeout(tick, 2000);
      return;
    }
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    text.innerHTML = "";
    text.append(`${data.done} of ${data.total} · `);
    const strong = document.createElement("strong");
    strong.textContent = `${data.percent}%`;
    text.append(strong);
    if (detail) {
      const parts = [data.completed ? "Done" : "Running"];
      if (data.rendered !== undefined) parts.push(`${data.rendered} rendered`, `${data.unchanged} unchanged`);
      parts.push(`${data.failed} failed`);
      detail.textContent = parts.join(" · ");
    }
    if (data.completed) {
      block.dataset.completed = "true";
      block.classList.add("is-done");
      const done = block.parentElement.querySelector(".regen-done");
      if (done) done.hidden = false;
      return;
    }
    setTimeout(tick, 500);
  }
  if (block.dataset.completed !== "true") tick();
}

// Campaign form: count the partners the chosen audience reaches, as it changes.
function liveAudienceCount(form) {
  const out = document.getElementById("audience-count");
  let pending;
  async function update() {
    const params = new URLSearchParams();
    params.set("template", form.elements.template.value);
    // Every audience rule: checked boxes (types, tiers, regions, attributes.*), min_tier, countries.
    form.querySelectorAll(".audience input:checked, .audience select, .audience input[type=text]").forEach((el) => {
      if (el.value) params.append(el.name, el.value);
    });
    const response = await fetch(`${form.dataset.audienceUrl}?${params}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    out.textContent = "";
    if (data.count === null) {
      out.textContent = data.message;
    } else {
      const strong = document.createElement("strong");
      strong.textContent = `${data.count} of ${data.total}`;
      out.append(strong, " active partners match this audience");
    }
  }
  form.addEventListener("change", (event) => {
    if (event.target.name === "template" || event.target.closest(".audience")) {
      clearTimeout(pending);
      pending = setTimeout(update, 120);
    }
  });
  update();
}

// Profile: check a chosen logo at once and show how the assets will look with it.
function logoCheck(form) {
  const input = form.querySelector("#f-logo");
  const status = document.getElementById("logo-status");
  const error = document.getElementById("e-logo");
  const figure = form.querySelector(".logo-check-preview");
  const img = figure.querySelector("img");
  const submit = form.querySelector('button[type="submit"]');
  input.addEventListener("change", async () => {
    error.hidden = true;
    figure.hidden = true;
    if (!input.files.length) return;
    status.textContent = "Checking your logo…";
    const body = new FormData();
    body.append("logo", input.files[0]);
    let data;
    try {
      const response = await fetch(form.dataset.logoCheck, {
        method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
      });
      data = await response.json();
    } catch (err) {
      status.textContent = "Could not check the logo now; it is checked again when you save.";
      return;
    }
    if (!data.ok) {
      status.textContent = "";
      error.textContent = data.error;
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      submit.disabled = true;
      return;
    }
    input.removeAttribute("aria-invalid");
    submit.disabled = false;
    status.textContent = data.message;
    if (data.preview) {
      img.src = data.preview;
      figure.hidden = false;
    }
  });
}

// "Copy HTML" / "Copy text": the text of a URL or of an element, to the clipboard.
function copyButton(button) {
  button.addEventListener("click", async () => {
    const label = button.textContent;
    try {
      let text;
      if (button.dataset.copyUrl) {
        const response = await fetch(button.dataset.copyUrl, { credentials: "same-origin" });
        if (!response.ok) throw new Error(response.statusText);
        text = await response.text();
      } else {
        text = document.getElementById(button.dataset.copyTarget).textContent;
      }
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch (error) {
      button.textContent = "Copy failed";
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-copy-url], [data-copy-target]").forEach(copyButton);
  paintSwatches();
  document.querySelectorAll("[data-progress-url]").forEach(watchProgress);
  document.querySelectorAll("form[data-audience-url]").forEach(liveAudienceCount);
  document.querySelectorAll("form[data-logo-check]").forEach(logoCheck);
});
