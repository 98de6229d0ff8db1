// The few behaviours our pages need, instead of Material's bundle (issue 14): the phone menu,
// the light/dark toggle and "Copy link". No network, no tracking, nothing inline.
(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");

  // Phone menu: the button opens Material's drawer (its checkbox drives the CSS) and says so.
  var toggle = document.getElementById("__drawer");
  var menu = document.querySelector("[data-stories-menu]");
  if (toggle && menu) {
    var drawer = document.getElementById(menu.getAttribute("aria-controls"));
    var sync = function () { menu.setAttribute("aria-expanded", String(toggle.checked)); };
    var close = function () { toggle.checked = false; sync(); };
    menu.addEventListener("click", function () {
      toggle.checked = !toggle.checked;
      sync();
      var first = toggle.checked && drawer && drawer.querySelector("a[href]");
      if (first) first.focus();
    });
    toggle.addEventListener("change", sync);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.checked) { close(); menu.focus(); }
    });
    // Widening the window past the drawer's breakpoint closes it.
    matchMedia("(min-width: 76.25em)").addEventListener("change", close);
  }

  // Dark mode: one toggle button; the choice is kept the way Material keeps it.
  var button = document.querySelector("[data-stories-palette]");
  if (button) {
    var options = JSON.parse(button.getAttribute("data-stories-palette"));
    var body = document.body;
    var current = function () {
      var scheme = body.getAttribute("data-md-color-scheme");
      return Math.max(0, options.findIndex(function (o) { return o.scheme === scheme; }));
    };
    var show = function () { button.setAttribute("aria-pressed", String(options[current()].scheme === "slate")); };
    button.addEventListener("click", function () {
      var index = (current() + 1) % options.length;
      var option = options[index];
      ["scheme", "primary", "accent"].forEach(function (k) { body.setAttribute("data-md-color-" + k, option[k]); });
      if (window.__md_set) window.__md_set("__palette", { index: index, color: option });
      show();
    });
    show();
    button.hidden = false;
  }

  // "Copy link" on story pages: shown only where the browser can copy.
  if (navigator.clipboard) {
    document.querySelectorAll(".share__copy").forEach(function (copy) {
      var label = copy.textContent;
      copy.hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(copy.dataset.copy).then(function () {
          copy.textContent = copy.dataset.copied || label;
          setTimeout(function () { copy.textContent = label; }, 2500);
        });
      });
    });
  }
})();
