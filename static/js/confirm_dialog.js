// The confirmation of a move that ends a booking, in a dialog over the booking's page instead of
// a page of its own. Without script (or without <dialog>) the link opens that page, which asks
// the same; the dialog's "keep" button closes it without script (formmethod="dialog").
"use strict";

document.addEventListener("click", (event) => {
  const opener = event.target.closest ? event.target.closest("a[data-confirm-dialog]") : null;
  if (!opener) {
    return;
  }
  const dialog = document.getElementById(opener.dataset.confirmDialog);
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  event.preventDefault();
  dialog.showModal();
  const first = dialog.querySelector("input:not([type=hidden]), button");
  if (first) {
    first.focus();
  }
});
