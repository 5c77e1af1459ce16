// The page's theme, chosen before the first paint: the system's light or dark (lab.css
// follows prefers-color-scheme), or high contrast for a projector, which the teacher picks
// with the header's button and this browser remembers.
(function () {
  "use strict";
  var KEY = "kitlab.theme", root = document.documentElement;
  function saved() { try { return localStorage.getItem(KEY); } catch (err) { return null; } }
  if (saved() === "contrast") root.dataset.theme = "contrast";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("theme-contrast");
    if (!button) return;
    function show() { button.setAttribute("aria-pressed", String(root.dataset.theme === "contrast")); }
    button.addEventListener("click", function () {
      if (root.dataset.theme === "contrast") delete root.dataset.theme; else root.dataset.theme = "contrast";
      try { localStorage.setItem(KEY, root.dataset.theme || ""); } catch (err) { /* not remembered */ }
      show();
    });
    show();
  });
})();
