// Page behaviour that would otherwise be inline script: the Content-Security-Policy allows only
// scripts served from static/ (and htmx runs with allowEval off, so no hx-on or trigger filters).
"use strict";

// Enter in a live-search box must not submit the surrounding form.
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.closest && event.target.closest("[data-no-enter-submit]")) {
    event.preventDefault();
  }
});

// A region marked data-poll-pause-while-busy skips its refresh while a form inside it is open or
// focused, so what someone is typing is not swept away.
document.addEventListener("htmx:beforeRequest", (event) => {
  const region = event.detail.elt;
  if (!region.matches || !region.matches("[data-poll-pause-while-busy]")) {
    return;
  }
  if (region.querySelector("details[open]") || region.contains(document.activeElement)) {
    event.preventDefault();
  }
});

// A filter select that applies itself when changed (its form's button shows only without script).
document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches("select[data-submit-on-change]")) {
    event.target.form.submit();
  }
});

// --- Imports -------------------------------------------------------------------------------------
// The upload form's drop zone (templates/imports/home.html). Without script the plain file input
// and its submit button do the same; this only adds dropping a file on the zone, the chosen
// file's name and size, a warning before sending a file over the limit, and a busy button.
(() => {
  const zoneOf = (target) => (target && target.closest ? target.closest("[data-drop-zone]") : null);

  const sizeText = (bytes) => {
    if (bytes >= 1024 * 1024) {
      return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    }
    return bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`;
  };

  const showChosen = (input) => {
    const zone = zoneOf(input);
    const form = input.form;
    if (!zone || !form) {
      return;
    }
    const chosen = zone.querySelector("[data-drop-zone-chosen]");
    const button = form.querySelector("[data-upload-button]");
    const limit = Number(form.dataset.maxBytes || 0);
    const file = input.files && input.files[0];
    let tooLarge = false;
    if (chosen) {
      chosen.textContent = file ? `${file.name} (${sizeText(file.size)})` : "";
      if (file && limit && file.size > limit) {
        tooLarge = true;
        chosen.textContent += ` is larger than the ${sizeText(limit)} an import may be.`;
      }
    }
    zone.classList.toggle("drop-zone-error", tooLarge);
    zone.classList.toggle("drop-zone-ready", Boolean(file) && !tooLarge);
    if (button) {
      button.disabled = tooLarge;
    }
  };

  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches("[data-drop-zone] input[type=file]")) {
      showChosen(event.target);
    }
  });

  // A file dropped anywhere on a page with a drop zone must not make the browser open it.
  document.addEventListener("dragover", (event) => {
    if (!document.querySelector("[data-drop-zone]")) {
      return;
    }
    event.preventDefault();
    const zone = zoneOf(event.target);
    if (zone) {
      zone.classList.add("drop-zone-over");
      event.dataTransfer.dropEffect = "copy";
    } else {
      event.dataTransfer.dropEffect = "none";
    }
  });

  document.addEventListener("dragleave", (event) => {
    const zone = zoneOf(event.target);
    if (zone && !zone.contains(event.relatedTarget)) {
      zone.classList.remove("drop-zone-over");
    }
  });

  document.addEventListener("drop", (event) => {
    if (!document.querySelector("[data-drop-zone]")) {
      return;
    }
    event.preventDefault();
    const zone = zoneOf(event.target);
    if (!zone || !event.dataTransfer.files.length) {
      return;
    }
    zone.classList.remove("drop-zone-over");
    const input = zone.querySelector("input[type=file]");
    const one = new DataTransfer();
    one.items.add(event.dataTransfer.files[0]);
    input.files = one.files;
    showChosen(input);
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches || !form.matches("form[data-import-upload]")) {
      return;
    }
    const button = form.querySelector("[data-upload-button]");
    if (button) {
      button.setAttribute("aria-busy", "true");
      button.textContent = "Uploading…";
    }
  });

  // Back to the page from the browser's cache: the button is usable again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-import-upload] [data-upload-button]").forEach((button) => {
      button.removeAttribute("aria-busy");
      button.textContent = "Upload";
    });
  });
})();
