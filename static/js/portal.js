// The residents' portal: a character counter for the description; the forms work without it.
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-counter"));
    if (!out) return;
    var max = parseInt(area.getAttribute("maxlength"), 10);
    function update() { out.textContent = area.value.length + " / " + max; }
    area.addEventListener("input", update);
    update();
  });
})();
