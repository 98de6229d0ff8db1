// Search with Pagefind: its small index chunks are fetched only once a reader searches.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var siteRoot = new URL("../", document.currentScript.src);
  var engine = null;

  function load() {
    if (!engine) {
      engine = import(new URL("pagefind/pagefind.js", siteRoot).href).then(function (pagefind) {
        return pagefind.options({ baseUrl: siteRoot.pathname, excerptLength: 24 }).then(function () {
          return pagefind;
        });
      });
    }
    return engine;
  }

  function show(query, results) {
    list.textContent = "";
    results.forEach(function (result) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = result.url;
      link.textContent = result.meta && result.meta.title ? result.meta.title : result.url;
      var heading = document.createElement("h2");
      heading.className = "search-results__title";
      heading.appendChild(link);
      var excerpt = document.createElement("p");
      excerpt.innerHTML = result.excerpt;
      item.appendChild(heading);
      item.appendChild(excerpt);
      list.appendChild(item);
    });
    var count = results.length;
    status.textContent = count === 0
      ? "No results for \u201c" + query + "\u201d."
      : count + (count === 1 ? " result" : " results") + " for \u201c" + query + "\u201d.";
  }

  function run(query) {
    query = query.trim();
    if (!query) {
      list.textContent = "";
      status.textContent = "";
      return;
    }
    status.textContent = "Searching\u2026";
    load()
      .then(function (pagefind) { return pagefind.search(query); })
      .then(function (search) {
        return Promise.all(search.results.slice(0, 20).map(function (r) { return r.data(); }));
      })
      .then(function (results) { show(query, results); })
      .catch(function () { status.textContent = "Search is not available right now."; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value;
    history.replaceState(null, "", "?q=" + encodeURIComponent(query));
    run(query);
  });

  var initial = new URLSearchParams(location.search).get("q");
  if (initial) {
    input.value = initial;
    run(initial);
  }
})();
