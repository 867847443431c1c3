// Orientation pack: the "Print or save as PDF" button needs JavaScript (headstart.js
// handles [data-print]), so it stays hidden until this file runs.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var buttons = document.querySelectorAll("[data-print][hidden]");
    for (var i = 0; i < buttons.length; i++) { buttons[i].hidden = false; }
  });
})();
