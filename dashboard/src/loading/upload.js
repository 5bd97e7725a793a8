// The upload form's drop zone: files dropped on it become the file field's files, and the
// form is sent as without this script. Served from /static/upload.js (no inline script: CSP).
"use strict";
document.querySelectorAll(".dropzone").forEach(function (zone) {
  var input = zone.querySelector("input[type=file]");
  if (!input) return;
  zone.classList.add("js");
  ["dragenter", "dragover"].forEach(function (ev) {
    zone.addEventListener(ev, function (e) {
      e.preventDefault();
      zone.classList.add("over");
    });
  });
  ["dragleave", "drop"].forEach(function (ev) {
    zone.addEventListener(ev, function () {
      zone.classList.remove("over");
    });
  });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      input.dispatchEvent(new Event("change"));
    }
  });
});
