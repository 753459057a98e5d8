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
