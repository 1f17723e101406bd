/* Offline search over /search/<version>.json: only pages of the version being read.
   Each record is [title, url, intro, headings, text]. */
(function () {
  "use strict";
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  if (!input || !list) return;
  var records = null, loading = null, active = -1, timer = null;

  function load() {
    if (records) return Promise.resolve(records);
    if (!loading) {
      loading = fetch(input.getAttribute("data-index"))
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
        .then(function (data) {
          records = data.pages.map(function (r) {
            return { title: r[0], url: r[1], intro: r[2], headings: r[3], text: r[4],
                     hay: [r[0], r[3], r[2], r[4]].map(function (s) { return s.toLowerCase(); }) };
          });
          return records;
        })
        .catch(function (error) { loading = null; throw error; });
    }
    return loading;
  }

  // A light stemmer, so "cache" finds "caching" and "dependencies" finds "dependency".
  var SUFFIXES = ["ies", "ing", "es", "ed", "s", "e", "y"];
  function stem(word) {
    for (var i = 0; i < SUFFIXES.length; i++) {
      var suffix = SUFFIXES[i];
      if (word.length - suffix.length >= 4 && word.slice(-suffix.length) === suffix) {
        return word.slice(0, -suffix.length);
      }
    }
    return word;
  }

  function terms(query) {
    return query.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; }).map(stem);
  }

  function score(record, words) {
    var total = 0, weights = [10, 4, 2, 1];
    for (var i = 0; i < words.length; i++) {
      var best = 0;
      for (var f = 0; f < 4; f++) {
        if (record.hay[f].indexOf(words[i]) >= 0) { best = Math.max(best, weights[f]); }
      }
      if (!best) return 0;
      total += best;
    }
    if (record.hay[0] === words.join(" ")) total += 20;
    else if (record.hay[0].indexOf(words.join(" ")) === 0) total += 5;
    return total;
  }

  function excerpt(record, words) {
    var text = record.intro || record.text;
    var lower = record.text.toLowerCase(), at = lower.indexOf(words[0]);
    if (!record.intro && at > 40) text = "\u2026" + record.text.slice(at - 40);
    return text.length > 160 ? text.slice(0, 160) + "\u2026" : text;
  }

  // Results are built from elements and text nodes, never from HTML: titles, excerpts and
  // URLs come from the index, which holds whatever the pages' sources hold.
  function message(text) {
    var item = document.createElement("li");
    item.className = "no-results";
    item.textContent = text;
    list.replaceChildren(item);
  }

  function span(css, text) {
    var element = document.createElement("span");
    element.className = css;
    element.textContent = text;
    return element;
  }

  function resultItem(record, words) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    // only paths on this site: no "javascript:" or other schemes, no "//host" URLs
    var url = String(record.url);
    link.setAttribute("href", url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : "#");
    link.appendChild(span("result-title", String(record.title)));
    link.appendChild(span("result-text", excerpt(record, words)));
    item.appendChild(link);
    return item;
  }

  function render(results, words) {
    active = -1;
    if (!words.length) { list.hidden = true; list.replaceChildren(); return; }
    if (!results.length) {
      message("No results");
    } else {
      list.replaceChildren.apply(list, results.map(function (r) { return resultItem(r, words); }));
    }
    list.hidden = false;
  }

  function search() {
    var words = terms(input.value);
    if (!words.length) { render([], words); return; }
    load().then(function (all) {
      var found = [];
      for (var i = 0; i < all.length; i++) {
        var s = score(all[i], words);
        if (s) found.push([s, i]);
      }
      found.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
      render(found.slice(0, 10).map(function (f) { return all[f[1]]; }), words);
    }, function () {
      message("Search is unavailable");
      list.hidden = false;
    });
  }

  function move(delta) {
    var links = list.querySelectorAll("a");
    if (!links.length) return;
    if (active >= 0) links[active].classList.remove("is-active");
    active = (active + delta + links.length) % links.length;
    links[active].classList.add("is-active");
    links[active].scrollIntoView({ block: "nearest" });
  }

  input.addEventListener("focus", function () { load().catch(function () {}); });
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 80); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { move(1); event.preventDefault(); }
    else if (event.key === "ArrowUp") { move(-1); event.preventDefault(); }
    else if (event.key === "Enter") {
      var links = list.querySelectorAll("a");
      if (links.length) { location.href = links[Math.max(active, 0)].href; }
      event.preventDefault();
    } else if (event.key === "Escape") { list.hidden = true; }
  });
  document.addEventListener("click", function (event) {
    if (!list.contains(event.target) && event.target !== input) list.hidden = true;
  });
})();
