// "Copy link" on story pages: shown only where the browser can copy; no network, no tracking.
(function () {
  "use strict";
  if (!navigator.clipboard) return;
  document.querySelectorAll(".share__copy").forEach(function (button) {
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        button.textContent = document.documentElement.lang === "ar" ? "\u062a\u0645 \u0646\u0633\u062e \u0627\u0644\u0631\u0627\u0628\u0637" : "Link copied";
        setTimeout(function () { button.textContent = label; }, 2500);
      });
    });
  });
})();
