/* Pickers, navigation drawer, platform switcher, theme, code blocks, notices. No dependencies. */
(function () {
  "use strict";
  var root = document.documentElement;

  function store(key, value) {
    try { if (value === undefined) return localStorage.getItem(key); localStorage.setItem(key, value); } catch (e) { /* private mode */ }
    return null;
  }

  function icon(name) {  // an octicon from the page's <template id="icon-...">, as nodes
    var template = document.getElementById("icon-" + name);
    return template ? template.content.cloneNode(true) : document.createDocumentFragment();
  }

  function label(iconName, text) {
    var span = document.createElement("span");
    span.textContent = text;
    return [icon(iconName), span];
  }

  // --- pickers: close an open one when clicking elsewhere or pressing Escape ---------------
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.picker[open]").forEach(function (picker) {
      if (!picker.contains(event.target)) picker.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.picker[open]").forEach(function (picker) { picker.removeAttribute("open"); });
  });

  // --- version picker: keep the #anchor; a version without this page says so on arrival ---
  var pageTitle = (document.querySelector(".article-header h1") || {}).textContent || "";
  document.querySelectorAll(".version-picker a").forEach(function (link) {
    function prepare() {
      var href = link.getAttribute("href");
      if (link.hasAttribute("data-missing")) {
        link.setAttribute("href", href.split("?")[0] + "?missing=" + encodeURIComponent(pageTitle.trim() || "1"));
      } else if (location.hash && href.indexOf("#") < 0) {
        link.setAttribute("href", href + location.hash);
      }
    }
    link.addEventListener("click", prepare);
    link.addEventListener("auxclick", prepare);
    link.addEventListener("contextmenu", prepare);
  });

  function showMissingNotice() {
    var params = new URLSearchParams(location.search);
    var missing = params.get("missing");
    var notice = document.getElementById("page-notice");
    if (missing === null || !notice) return;
    var version = (document.querySelector(".version-picker summary") || {}).textContent || "this version";
    version = version.replace(/^\s*Version:\s*/, "").trim();
    notice.textContent = (missing && missing !== "1" ? "\u201c" + missing + "\u201d is" : "The page you came from is") +
      " not available in " + version + ", so you are on the nearest page that is.";
    notice.hidden = false;
    params.delete("missing");
    var rest = params.toString();
    history.replaceState(history.state, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
  }
  showMissingNotice();

  // --- a deprecated release's URL (on the 404 page): point at the newest release ---------
  function showReleaseNotice() {
    var data = document.getElementById("release-data");
    var notice = document.getElementById("release-notice");
    if (!data || !notice) return;
    var m = /^\/en\/([^\/@]+)@([^\/]+)(\/.*)?$/.exec(location.pathname);
    if (!m) return;
    var plans = JSON.parse(data.textContent).plans || {};
    var plan = plans[m[1]];
    var release = decodeURIComponent(m[2]);
    if (!plan || plan.deprecated.indexOf(release) < 0) return;
    var rest = (m[3] || "/").replace(/^\/+/, "");
    var target = "/en/" + plan.latest + "/" + rest;
    var home = "/en/" + plan.latest + "/";
    function say(href, text) {
      notice.textContent = plan.title + " " + release + " is deprecated: its documentation is no longer published. ";
      var link = document.createElement("a");
      link.href = href;
      link.textContent = text;
      notice.appendChild(link);
      notice.appendChild(document.createTextNode("."));
      notice.hidden = false;
      document.title = plan.title + " " + release + " is deprecated";
    }
    say(target, "See this page in " + plan.latest_title);
    if (rest) {
      fetch(target, { method: "HEAD" }).then(function (response) {
        if (!response.ok) say(home, "Go to the " + plan.latest_title + " documentation");
      }).catch(function () { /* offline: keep the page link */ });
    }
  }
  showReleaseNotice();

  // --- navigation drawer (phones) and the current page in the sidebar ---------------------
  var sidebar = document.getElementById("sidebar");
  var menuButton = document.querySelector(".menu-button");
  function setDrawer(open) {
    root.classList.toggle("nav-open", open);
    if (menuButton) menuButton.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      var first = sidebar.querySelector("a.is-current") || sidebar.querySelector("a[href]");
      if (first) first.focus({ preventScroll: false });
    } else if (menuButton && sidebar.contains(document.activeElement)) {
      menuButton.focus();
    }
  }
  if (sidebar && menuButton) {
    menuButton.addEventListener("click", function (event) {
      event.preventDefault();
      setDrawer(!root.classList.contains("nav-open"));
    });
    document.querySelectorAll(".sidebar-close, .sidebar-backdrop").forEach(function (closer) {
      closer.addEventListener("click", function (event) { event.preventDefault(); setDrawer(false); });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && root.classList.contains("nav-open")) setDrawer(false);
    });
    if (location.hash === "#sidebar") history.replaceState(history.state, "", location.pathname + location.search);
  }
  if (sidebar) {
    var current = sidebar.querySelector("a.is-current");
    if (current && sidebar.scrollHeight > sidebar.clientHeight) {
      var top = current.getBoundingClientRect().top - sidebar.getBoundingClientRect().top + sidebar.scrollTop;
      sidebar.scrollTop = Math.max(0, top - sidebar.clientHeight / 3);
    }
  }

  // --- theme: follows the system until the reader picks one -------------------------------
  var toggle = document.querySelector(".theme-toggle");
  var systemDark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function isDark() {
    var chosen = root.getAttribute("data-theme");
    return chosen ? chosen === "dark" : !!(systemDark && systemDark.matches);
  }
  function showTheme() {
    if (!toggle) return;
    var dark = isDark();
    toggle.setAttribute("aria-pressed", dark ? "true" : "false");
    toggle.setAttribute("title", dark ? "Light mode" : "Dark mode");
  }
  if (toggle) {
    toggle.addEventListener("click", function () {
      var next = isDark() ? "light" : "dark";
      root.setAttribute("data-theme", next);
      store("docs-theme", next);
      showTheme();
    });
    if (systemDark && systemDark.addEventListener) systemDark.addEventListener("change", showTheme);
    showTheme();
  }

  // --- platform switcher (the page's inline script chose the first platform) --------------
  var switcher = document.querySelector(".platform-switcher");
  if (switcher) {
    var buttons = Array.prototype.slice.call(switcher.querySelectorAll("button[data-platform]"));
    var showPlatform = function (platform) {
      root.setAttribute("data-platform", platform);
      buttons.forEach(function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-platform") === platform ? "true" : "false");
      });
    };
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var platform = button.getAttribute("data-platform");
        store("docs-platform", platform);
        showPlatform(platform);
      });
    });
    showPlatform(root.getAttribute("data-platform") || buttons[0].getAttribute("data-platform"));
  }

  // --- code blocks: language label and copy button ----------------------------------------
  var LANGUAGES = { sh: "Shell", shell: "Shell", bash: "Shell", yaml: "YAML", yml: "YAML", json: "JSON", js: "JavaScript",
    javascript: "JavaScript", ts: "TypeScript", typescript: "TypeScript", py: "Python", python: "Python", rb: "Ruby",
    ruby: "Ruby", html: "HTML", xml: "XML", css: "CSS", go: "Go", java: "Java", csharp: "C#", cs: "C#", cpp: "C++",
    graphql: "GraphQL", powershell: "PowerShell", dockerfile: "Dockerfile", text: "Text", toml: "TOML", sql: "SQL",
    groovy: "Groovy", kotlin: "Kotlin", swift: "Swift", rust: "Rust", php: "PHP", ini: "INI", diff: "Diff" };

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function copyButton(getText) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.replaceChildren.apply(button, label("copy", "Copy"));
    button.setAttribute("aria-label", "Copy code to the clipboard");
    button.addEventListener("click", function () {
      copyText(getText()).then(function () {
        button.classList.add("is-copied");
        button.replaceChildren.apply(button, label("check", "Copied"));
        setTimeout(function () {
          button.classList.remove("is-copied");
          button.replaceChildren.apply(button, label("copy", "Copy"));
        }, 2000);
      }, function () { button.querySelector("span").textContent = "Press Ctrl+C"; });
    });
    return button;
  }

  document.querySelectorAll(".article-body pre").forEach(function (pre) {
    if (pre.closest(".code-extra, .code-block, .error-snippet")) return;
    var code = pre.querySelector("code") || pre;
    var match = /(?:^|\s)language-([\w+#.-]+)/.exec(code.className || "");
    var lang = match ? match[1].toLowerCase() : "";
    var wrapper = document.createElement("div");
    wrapper.className = "code-block";
    var header = document.createElement("div");
    header.className = "code-header";
    var label = document.createElement("span");
    label.className = "code-language";
    label.textContent = lang ? (LANGUAGES[lang] || lang.toUpperCase()) : "";
    header.appendChild(label);
    header.appendChild(copyButton(function () { return code.innerText; }));
    pre.parentNode.insertBefore(wrapper, pre);
    wrapper.appendChild(header);
    wrapper.appendChild(pre);
  });
  // fences written ```lang{:copy} come with a header and an empty button holding the text
  document.querySelectorAll(".code-extra .js-btn-copy").forEach(function (old) {
    var text = old.getAttribute("data-clipboard-text") || "";
    old.parentNode.replaceChild(copyButton(function () { return text; }), old);
  });
})();
