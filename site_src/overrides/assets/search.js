// Search over the static index in search/ (see builder/search.py): nothing is fetched until a
// reader searches, then one small file per word and the titles of the first results.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var root = new URL("../", document.currentScript.src);
  var STOPWORDS = new Set(("a an and are as at be but by for from had has have he her his i in is it its not of on or our " +
    "she that the their they this to was we were which who with you").split(" "));
  var SUFFIXES = [["ies", 4], ["ing", 5], ["ed", 4], ["es", 5], ["s", 3]];
  var MAX_RESULTS = 20;
  var meta = null;
  var cache = new Map();

  function stem(word) {
    if (!/^[a-z]+$/.test(word)) return word;
    for (var i = 0; i < SUFFIXES.length; i++) {
      var suffix = SUFFIXES[i][0];
      if (word.endsWith(suffix) && word.length > SUFFIXES[i][1] && !word.endsWith("ss")) {
        return word.slice(0, -suffix.length) + (suffix === "ies" ? "y" : "");
      }
    }
    return word;
  }

  function terms(text) {
    var folded = text.toLowerCase().normalize("NFD").replace(/[\p{Mn}\u0640]/gu, "").normalize("NFC");
    return (folded.match(/[\p{L}\p{N}]+/gu) || []).filter(function (w) { return !STOPWORDS.has(w); }).map(stem);
  }

  function fetchJSON(path) {
    if (!cache.has(path)) {
      var url = new URL("search/" + path, root);
      if (meta) url.searchParams.set("v", meta.version);
      cache.set(path, fetch(url).then(function (r) { return r.ok ? r.json() : {}; }));
    }
    return cache.get(path);
  }

  function hex(text) {
    return Array.from(new TextEncoder().encode(text)).map(function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function postings(term, prefix) {
    var key = hex(Array.from(term).slice(0, meta.key).join(""));
    return fetchJSON("t/" + key + ".json").then(function (shard) {
      var found = new Map();
      Object.keys(shard).forEach(function (candidate) {
        if (candidate === term || (prefix && term.length >= meta.key && candidate.startsWith(term))) {
          var value = 0;
          shard[candidate].forEach(function (delta) {
            value += delta;
            var id = value >> 2, weight = value & 3;
            found.set(id, Math.max(found.get(id) || 0, weight));
          });
        }
      });
      return found;
    });
  }

  function rank(query) {
    var words = Array.from(new Set(terms(query)));
    if (!words.length) return Promise.resolve([]);
    return Promise.all(words.map(function (w, i) { return postings(w, i === words.length - 1); })).then(function (sets) {
      var scores = new Map(sets[0]);
      sets.slice(1).forEach(function (set) {
        scores.forEach(function (score, id) {
          if (set.has(id)) scores.set(id, score + set.get(id)); else scores.delete(id);
        });
      });
      return Array.from(scores.entries())
        .sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; })
        .map(function (entry) { return entry[0]; });
    });
  }

  function documents(ids) {
    return Promise.all(ids.map(function (id) {
      return fetchJSON("d/" + Math.floor(id / meta.chunk) + ".json").then(function (chunk) { return chunk[id % meta.chunk]; });
    }));
  }

  function show(query, total, docs) {
    list.textContent = "";
    docs.forEach(function (doc) {
      // [url, title, summary, lang, dir, content warning]: each result is marked with the
      // language and direction of its own text, so a screen reader reads Arabic as Arabic.
      var item = document.createElement("li");
      if (doc[3]) { item.lang = doc[3]; item.dir = doc[4] || "auto"; }
      var heading = document.createElement("h2");
      heading.className = "search-results__title";
      var link = document.createElement("a");
      link.href = new URL(doc[0], root).href;
      link.textContent = doc[1];
      heading.appendChild(link);
      item.appendChild(heading);
      if (doc[5]) {
        var warning = document.createElement("p");
        warning.className = "search-results__warning content-warning";
        var label = document.createElement("strong");
        label.textContent = (doc[3] === "ar" ? "\u062a\u0646\u0628\u064a\u0647 \u0628\u0634\u0623\u0646 \u0627\u0644\u0645\u062d\u062a\u0648\u0649" : "Content warning") + ": ";
        warning.appendChild(label);
        warning.appendChild(document.createTextNode(doc[5]));
        item.appendChild(warning);
      }
      var summary = document.createElement("p");
      summary.textContent = doc[2];
      item.appendChild(summary);
      list.appendChild(item);
    });
    var shown = total > docs.length ? " (showing the first " + docs.length + ")" : "";
    status.textContent = total === 0
      ? "No results for \u201c" + query + "\u201d."
      : total + (total === 1 ? " result" : " results") + " for \u201c" + query + "\u201d" + shown + ".";
  }

  function run(query) {
    query = query.trim();
    if (!query) {
      list.textContent = "";
      status.textContent = "";
      return;
    }
    status.textContent = "Searching\u2026";
    (meta ? Promise.resolve(meta) : fetchJSON("meta.json").then(function (m) { meta = m; }))
      .then(function () { return rank(query); })
      .then(function (ids) {
        return documents(ids.slice(0, MAX_RESULTS)).then(function (docs) { show(query, ids.length, docs); });
      })
      .catch(function () { status.textContent = "Search is not available right now."; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    run(input.value);
  });

  var initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    input.value = initial;
    run(initial);
  }
})();
