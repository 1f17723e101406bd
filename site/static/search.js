/* Offline full-text search with the version's Pagefind bundle (/search/<version>/pagefind/).
   The header box shows the best matches as you type; Enter opens the results page
   (/search/<version>/?q=...), which lists them all. Only the version being read is searched. */
(function () {
  "use strict";
  var engines = {};
  var PAGE_SIZE = 10;

  function engine(bundle) {
    if (!engines[bundle]) {
      engines[bundle] = import(bundle + "pagefind.js").then(function (pagefind) {
        return pagefind.options({ excerptLength: 24, basePath: bundle, baseUrl: "/" }).then(function () { return pagefind; });
      });
      engines[bundle].catch(function () { delete engines[bundle]; });
    }
    return engines[bundle];
  }

  // Pagefind's excerpts are text with <mark> around the matches: keep exactly that.
  function safeExcerpt(excerpt) {
    var doc = new DOMParser().parseFromString("<body>" + (excerpt || ""), "text/html");
    var out = document.createDocumentFragment();
    doc.body.childNodes.forEach(function (node) {
      if (node.nodeType === 3) out.appendChild(document.createTextNode(node.textContent));
      else if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        out.appendChild(mark);
      } else out.appendChild(document.createTextNode(node.textContent || ""));
    });
    return out;
  }

  function markWords(text, words) {
    var out = document.createDocumentFragment();
    var pattern = words.filter(Boolean).map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|");
    if (!pattern) { out.appendChild(document.createTextNode(text)); return out; }
    var re = new RegExp("(" + pattern + ")", "ig"), last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m[0] === "") { re.lastIndex++; continue; }
      out.appendChild(document.createTextNode(text.slice(last, m.index)));
      var mark = document.createElement("mark");
      mark.textContent = m[0];
      out.appendChild(mark);
      last = m.index + m[0].length;
    }
    out.appendChild(document.createTextNode(text.slice(last)));
    return out;
  }

  function element(tag, className, child) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (typeof child === "string") el.textContent = child;
    else if (child) el.appendChild(child);
    return el;
  }

  // only paths on this site: no "javascript:" or other schemes, no "//host" URLs
  function sitePath(url) {
    url = String(url || "");
    return url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : "#";
  }

  // One result: title (matches marked), excerpt, and the sections that matched best.
  function resultItem(data, words, sections) {
    var item = document.createElement("li");
    var link = element("a", "result-link");
    link.setAttribute("href", sitePath(data.url));
    link.appendChild(element("span", "result-title", markWords((data.meta && data.meta.title) || data.url, words)));
    link.appendChild(element("span", "result-text", safeExcerpt(data.excerpt)));
    item.appendChild(link);
    var subs = (data.sub_results || []).filter(function (sub) { return sub.url !== data.url && sub.url.indexOf("#") > 0; });
    if (sections && subs.length) {
      var list = element("ul", "result-sections");
      subs.slice(0, sections).forEach(function (sub) {
        var subItem = document.createElement("li");
        var subLink = element("a", "result-link");
        subLink.setAttribute("href", sitePath(sub.url));
        subLink.appendChild(element("span", "result-title", markWords(sub.title, words)));
        subLink.appendChild(element("span", "result-text", safeExcerpt(sub.excerpt)));
        subItem.appendChild(subLink);
        list.appendChild(subItem);
      });
      item.appendChild(list);
    }
    return item;
  }

  function queryWords(query) {
    return query.split(/[\s"'`()\[\]{},;]+/).filter(function (w) { return w.length > 1; });
  }

  // --- the header box ---------------------------------------------------------------------
  function setupBox(input, box) {
    var active = -1, generation = 0;
    var bundle = input.getAttribute("data-bundle");
    var resultsPage = input.getAttribute("data-results-page");

    function close() { box.hidden = true; active = -1; }
    function status(text) {
      box.replaceChildren();
      box.appendChild(element("p", "search-status", text));
      box.hidden = false;
    }

    function run() {
      var query = input.value.trim();
      var mine = ++generation;
      if (!query) { close(); box.replaceChildren(); return; }
      engine(bundle).then(function (pagefind) {
        return pagefind.debouncedSearch(query, {}, 120);
      }).then(function (search) {
        if (search === null || mine !== generation) return null;
        return Promise.all(search.results.slice(0, 6).map(function (r) { return r.data(); })).then(function (data) {
          return { data: data, total: search.results.length };
        });
      }).then(function (found) {
        if (!found || mine !== generation) return;
        active = -1;
        box.replaceChildren();
        if (!found.data.length) { status("No results for \u201c" + query + "\u201d"); return; }
        var words = queryWords(query);
        var list = element("ul", "");
        found.data.forEach(function (data) { list.appendChild(resultItem(data, words, 2)); });
        box.appendChild(list);
        var more = element("p", "search-more");
        var all = element("a", "", found.total + (found.total === 1 ? " result" : " results") + ": see all");
        all.href = resultsPage + "?q=" + encodeURIComponent(query);
        more.appendChild(all);
        box.appendChild(more);
        box.hidden = false;
      }).catch(function () { if (mine === generation) status("Search is unavailable"); });
    }

    function move(delta) {
      var links = box.querySelectorAll("a");
      if (!links.length) return;
      if (active >= 0 && links[active]) links[active].classList.remove("is-active");
      active = (active + delta + links.length) % links.length;
      links[active].classList.add("is-active");
      links[active].scrollIntoView({ block: "nearest" });
    }

    input.addEventListener("focus", function () { engine(bundle).catch(function () {}); });
    input.addEventListener("input", run);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { move(1); event.preventDefault(); }
      else if (event.key === "ArrowUp") { move(-1); event.preventDefault(); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter") {
        var links = box.querySelectorAll("a");
        if (active >= 0 && links[active]) { event.preventDefault(); location.href = links[active].href; }
        // otherwise the form goes to the results page
      }
    });
    document.addEventListener("click", function (event) {
      if (!box.contains(event.target) && event.target !== input) close();
    });
  }

  // --- the results page -------------------------------------------------------------------
  function setupPage(input) {
    var bundle = input.getAttribute("data-bundle");
    var statusLine = document.getElementById("search-page-status");
    var list = document.getElementById("search-page-results");
    var more = document.getElementById("search-page-more");
    var query = (new URLSearchParams(location.search).get("q") || "").trim();
    input.value = query;
    if (!query) { statusLine.textContent = "Type words to look for."; input.focus(); return; }
    document.title = query + " - " + document.title;
    statusLine.textContent = "Searching\u2026";
    var words = queryWords(query), shown = 0, results = [];

    function showMore() {
      var batch = results.slice(shown, shown + PAGE_SIZE);
      shown += batch.length;
      more.hidden = shown >= results.length;
      return Promise.all(batch.map(function (r) { return r.data(); })).then(function (data) {
        data.forEach(function (d) { list.appendChild(resultItem(d, words, 3)); });
      });
    }
    more.addEventListener("click", function () { showMore(); });
    engine(bundle).then(function (pagefind) { return pagefind.search(query); }).then(function (search) {
      results = search.results;
      statusLine.textContent = results.length ? results.length + (results.length === 1 ? " result" : " results") +
        " for \u201c" + query + "\u201d" : "No results for \u201c" + query + "\u201d";
      return showMore();
    }).catch(function () { statusLine.textContent = "Search is unavailable."; });
  }

  var input = document.getElementById("search-input");
  var box = document.getElementById("search-results");
  if (input && box) setupBox(input, box);
  var pageInput = document.getElementById("search-page-input");
  if (pageInput) setupPage(pageInput);
})();
