// Page behaviour that would otherwise be inline script: the Content-Security-Policy allows only
// scripts served from static/ (and htmx runs with allowEval off, so no hx-on or trigger filters).
"use strict";

// Loaded in <head> without defer (base.html): mark the page as scripted before it is painted, so
// the phone menu is closed from the start. Everything below only listens on the document.
document.documentElement.classList.add("js");

// --- The top bar on a narrow screen -------------------------------------------------------------
// The sections and the account links fold behind a Menu button (a disclosure: aria-expanded on
// the button, the list right after it). Without script the list simply stays open and wraps.
(() => {
  const toggleOf = () => document.querySelector("[data-menu-toggle]");

  const setOpen = (toggle, open) => {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  };

  document.addEventListener("click", (event) => {
    const toggle = event.target.closest ? event.target.closest("[data-menu-toggle]") : null;
    if (toggle) {
      setOpen(toggle, toggle.getAttribute("aria-expanded") !== "true");
    }
  });

  // Escape closes the open menu and gives focus back to its button.
  document.addEventListener("keydown", (event) => {
    const toggle = toggleOf();
    if (event.key !== "Escape" || !toggle || toggle.getAttribute("aria-expanded") !== "true") {
      return;
    }
    const menu = document.getElementById(toggle.getAttribute("aria-controls"));
    if (menu && menu.contains(document.activeElement)) {
      setOpen(toggle, false);
      toggle.focus();
    }
  });
})();

// --- Focus after an htmx swap --------------------------------------------------------------------
// htmx puts focus back on an element with the same id as the focused one it replaced. When the
// focused element had no id, or the new content has none like it, focus would fall to <body> and
// a keyboard or screen-reader user would start again from the top of the page: move it to the
// swapped region instead, which is where they were.
(() => {
  let focusedBeforeSwap = null;

  document.addEventListener("htmx:beforeSwap", () => {
    focusedBeforeSwap = document.activeElement;
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const before = focusedBeforeSwap;
    focusedBeforeSwap = null;
    if (!before || before === document.body || document.contains(before)) {
      return; // nothing was focused, or the focused element survived the swap
    }
    const active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) {
      return; // htmx already restored it (same id)
    }
    const twin = before.id ? document.getElementById(before.id) : null;
    let region = twin || event.detail.target;
    if (region && !document.contains(region)) {
      // An outerHTML swap replaced the target itself: its successor carries the same id.
      region = region.id ? document.getElementById(region.id) : null;
    }
    region = region || document.getElementById("main");
    if (!region) {
      return;
    }
    if (!twin && !region.matches("a[href], button, input, select, textarea, [tabindex]")) {
      region.setAttribute("tabindex", "-1");
      region.dataset.focusLanding = "true";
    }
    region.focus({ preventScroll: true });
  });
})();

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
  // Focus that a swap left on a region (below) is not someone at work in it.
  const active = document.activeElement;
  const working = active && region.contains(active) && !(active.dataset && active.dataset.focusLanding);
  if (region.querySelector("details[open]") || working) {
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

// --- Boxes that scroll sideways ------------------------------------------------------------------
// A wide table or board scrolls inside its box on a small screen (.scroll-x and the like). A box
// that scrolls and holds nothing focusable could not be scrolled from the keyboard: such a box is
// made a focusable, named region while (and only while) its content overflows it.
(() => {
  const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  const CANDIDATES = "main div, main section, main figure";

  const nameOf = (box) => {
    const caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      return caption.textContent.trim();
    }
    const labelled = box.closest("[aria-labelledby]");
    const title = labelled ? document.getElementById(labelled.getAttribute("aria-labelledby").split(" ")[0]) : null;
    if (title && title.textContent.trim()) {
      return title.textContent.trim();
    }
    const heading = document.querySelector("main h1");
    return heading ? heading.textContent.trim() : "Scrolling content";
  };

  const mark = () => {
    document.querySelectorAll(CANDIDATES).forEach((box) => {
      const style = getComputedStyle(box);
      const scrolls = ["auto", "scroll"].includes(style.overflowX) || ["auto", "scroll"].includes(style.overflowY);
      const overflows = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (box.dataset.scrollRegion) {
        if (!scrolls || !overflows) {
          box.removeAttribute("tabindex");
          if (box.dataset.scrollRegion === "named") {
            box.removeAttribute("role");
            box.removeAttribute("aria-label");
          }
          delete box.dataset.scrollRegion;
        }
        return;
      }
      if (!scrolls || !overflows || box.hasAttribute("tabindex") || box.querySelector(FOCUSABLE)) {
        return;
      }
      box.setAttribute("tabindex", "0");
      box.dataset.scrollRegion = "focusable";
      if (!box.hasAttribute("role")) {
        box.dataset.scrollRegion = "named";
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", `${nameOf(box)}, scrollable`);
      }
    });
  };

  let pending = null;
  const later = () => {
    clearTimeout(pending);
    pending = setTimeout(mark, 100);
  };
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("load", mark);
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", later);
})();
