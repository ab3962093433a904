/* region27: small enhancements; every page works without this file. */
(function () {
  "use strict";
  // Territory picker: a suggestion button adds its typed code to the territories field.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-territory]");
    if (!button) return;
    event.preventDefault();
    var field = document.getElementById(button.getAttribute("data-target") || "id_territories");
    if (!field) return;
    var code = button.getAttribute("data-add-territory");
    var codes = field.value.split(/[\s,]+/).filter(Boolean);
    if (codes.indexOf(code) === -1) codes.push(code);
    field.value = codes.join(", ");
    var status = document.getElementById("territory-picker-status");
    if (status) status.textContent = button.getAttribute("data-added-message") || "";
    field.focus();
  });
})();
