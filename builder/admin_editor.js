// The editor's additions to Decap CMS, loaded after decap-cms.js on /admin/ (a file, for the CSP).
//
// 1. The preview pane uses the site's own stylesheet.
// 2. A front-matter format that reads and writes files as the loader expects them: YAML's core
//    schema (only true/false, numbers and null are converted; dates stay text, as the checker
//    parses them), keys in the contract's order, empty optional fields left out instead of
//    written as "" (which the check refuses), and bylines that are plain names kept as plain
//    names: the form edits every byline as {name, display, ...}, and a byline that is only a
//    name is written back as `by: ["Editorial team"]`, so existing files do not change.
/* global CMS, jsyaml */
(function () {
  "use strict";
  CMS.registerPreviewStyle(STYLESHEET);

  var FENCE = /^---\r?\n([\s\S]*?)\r?\n?---\r?\n?([\s\S]*)$/;
  var DEFAULT_FALSE = ["draft", "withdrawn", "minor"];

  function isEmpty(value) {
    return value === "" || value === null || value === undefined || (Array.isArray(value) && value.length === 0);
  }

  function tidy(data, keys) {
    var out = {};
    keys.forEach(function (key) {
      if (!(key in data) || key === "body") return;
      var value = data[key];
      var altOf = /_alt$/.test(key) ? key.replace(/_alt$/, "") : null;
      if (altOf === "image" || altOf === "photo") {
        if (isEmpty(data[altOf]) && isEmpty(value)) return;  // no picture: no description
        out[key] = value === null || value === undefined ? "" : value;
        return;
      }
      if (isEmpty(value) || (value === false && DEFAULT_FALSE.indexOf(key) >= 0)) return;
      if (value && typeof value === "object" && !Array.isArray(value)) {
        value = tidy(value, Object.keys(value));
      } else if (Array.isArray(value)) {
        value = value.map(function (item) {
          return item && typeof item === "object" ? tidy(item, Object.keys(item)) : item;
        });
      }
      out[key] = value;
    });
    return out;
  }

  function bylinesIn(by) {
    if (by === undefined || by === null) return by;
    return (Array.isArray(by) ? by : [by]).map(function (item) {
      return typeof item === "string" ? { name: item } : item;
    });
  }

  function bylinesOut(by) {
    return by.map(function (person) {
      var plain = person && typeof person === "object" && Object.keys(person).every(function (k) {
        return k === "name" || (k === "display" && person[k] === "full");
      });
      return plain ? person.name : person;
    });
  }

  CMS.registerCustomFormat("stories-frontmatter", "md", {
    fromFile: function (content) {
      var match = FENCE.exec(content);
      if (!match) return { body: content };
      var data = jsyaml.load(match[1], { schema: jsyaml.CORE_SCHEMA }) || {};
      if ("by" in data) data.by = bylinesIn(data.by);
      data.body = match[2];
      return data;
    },
    toFile: function (data, sortedKeys) {
      var keys = (sortedKeys || []).concat(Object.keys(data).filter(function (k) {
        return (sortedKeys || []).indexOf(k) < 0;
      }));
      var meta = tidy(data, keys);
      if (Array.isArray(meta.by)) meta.by = bylinesOut(meta.by);
      var yaml = jsyaml.dump(meta, { schema: jsyaml.CORE_SCHEMA, lineWidth: -1, noRefs: true });
      return "---\n" + yaml + "---\n" + (data.body || "");
    },
  });
})();
