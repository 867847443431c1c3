// Small progressive enhancements; every page works without this file.
// No inline scripts anywhere: the Content-Security-Policy allows scripts from this site only.
(function () {
  "use strict";

  // <select data-autosubmit> sends its form as soon as a choice is made.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  });

  // Buttons marked data-print open the browser's print dialog (save as PDF from there).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
})();

// ESCO picker: a ticked option moves into the chosen list, so typing a new search does
// not lose it. For a single choice (radio buttons), it replaces what was chosen before.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-pick]") || !input.checked) { return; }
    var picker = input.closest("[data-picker]");
    if (!picker) { return; }
    var chosen = picker.querySelector(".esco-chosen");
    var item = input.closest("li");
    if (!chosen || !item) { return; }
    if (chosen.getAttribute("data-multiple") === "0") { chosen.innerHTML = ""; }
    input.removeAttribute("data-pick");
    chosen.appendChild(item);
  });
})();
