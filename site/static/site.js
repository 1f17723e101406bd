/* Pickers and the platform switcher. No dependencies. */
(function () {
  "use strict";

  // Close an open picker when clicking elsewhere or pressing Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.picker[open]").forEach(function (picker) {
      if (!picker.contains(event.target)) picker.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.picker[open]").forEach(function (picker) { picker.removeAttribute("open"); });
  });

  // Keep the #anchor when switching versions: the same section usually exists there too.
  document.querySelectorAll(".version-picker a").forEach(function (link) {
    link.addEventListener("click", function () {
      if (location.hash && link.getAttribute("href").indexOf("#") < 0 &&
          link.pathname.replace(/\/$/, "").split("/").slice(3).join("/") ===
          location.pathname.replace(/\/$/, "").split("/").slice(3).join("/")) {
        link.setAttribute("href", link.getAttribute("href") + location.hash);
      }
    });
  });

  // Platform switcher: show one platform's blocks; default from the visitor's OS.
  var switcher = document.querySelector(".platform-switcher");
  if (!switcher) return;
  var buttons = Array.prototype.slice.call(switcher.querySelectorAll("button[data-platform]"));
  var available = buttons.map(function (b) { return b.getAttribute("data-platform"); });

  function detect() {
    var stored = null;
    try { stored = localStorage.getItem("docs-platform"); } catch (e) { /* private mode */ }
    if (stored && available.indexOf(stored) >= 0) return stored;
    var preferred = switcher.getAttribute("data-default-platform");  // the page's defaultPlatform
    if (preferred && available.indexOf(preferred) >= 0) return preferred;
    var platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "";
    var guess = /mac|iphone|ipad|ipod/i.test(platform) ? "mac" : /win/i.test(platform) ? "windows" : "linux";
    return available.indexOf(guess) >= 0 ? guess : available[0];
  }

  function show(platform) {
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-platform") === platform ? "true" : "false");
    });
    ["mac", "windows", "linux"].forEach(function (name) {
      document.querySelectorAll(".extended-markdown." + name).forEach(function (block) {
        block.style.display = name === platform ? "" : "none";
      });
    });
    document.documentElement.setAttribute("data-platform", platform);
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var platform = button.getAttribute("data-platform");
      try { localStorage.setItem("docs-platform", platform); } catch (e) { /* ignore */ }
      show(platform);
    });
  });
  show(detect());
})();
