// The editor's additions to Decap CMS, loaded after decap-cms.js on /admin/ (a file, for the CSP).
//
// 1. The preview pane uses the site's own stylesheet, and a story previews with its page's markup.
// 2. A front-matter format that reads and writes files as the loader expects them: YAML's core
//    schema (only true/false, numbers and null are converted; dates stay text, as the checker
//    parses them), keys in the contract's order, empty optional fields left out instead of
//    written as "" (which the check refuses), and bylines that are plain names kept as plain
//    names: the form edits every byline as {name, display, ...}, and a byline that is only a
//    name is written back as `by: ["Editorial team"]`, and comments above a key stay above it,
//    so existing files do not change.
/* global CMS, jsyaml */
(function () {
  "use strict";
  var STYLESHEET = null;  // builder/admin.py writes the site's hashed stylesheet here
  if (STYLESHEET) CMS.registerPreviewStyle(STYLESHEET);

  // A story previews as its page does: the markup of builder/templates/story.html (header,
  // standfirst, date, content warning, text, themes) under the site's stylesheet, not Decap's
  // list of fields. Names are left out: how a byline is shown depends on the storyteller's
  // profile, which only the build knows, so the preview never shows a name the page would not.
  var DAY = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric" });
  var RTL = /^(ar|fa|he|ps|ur|yi|ckb|dv|sd|ug)(-|$)/;
  function day(value) {
    var when = value ? new Date(value) : null;
    return when && !isNaN(when) ? DAY.format(when) : "";
  }
  if (typeof createClass === "function" && typeof h === "function") {
    CMS.registerPreviewTemplate("stories", createClass({
      render: function () {
        var entry = this.props.entry;
        var get = function (key) { return entry.getIn(["data", key]); };
        var lang = get("lang") || "en", when = get("date"), warning = get("content_warning"), tags = get("tags");
        var header = [h("h1", { className: "story__title", key: "t" }, get("title") || "Untitled story"),
                      h("p", { className: "standfirst", key: "s" }, get("summary") || "")];
        if (day(when)) header.push(h("p", { className: "story__meta", key: "m" }, h("time", null, day(when))));
        var parts = [h("header", { className: "story__header", key: "h" }, header)];
        if (warning) {
          parts.push(h("aside", { className: "content-warning", key: "w" },
                       h("p", null, h("strong", null, "Content warning: "), warning)));
        }
        parts.push(h("div", { className: "story__body", key: "b" }, this.props.widgetFor("body")));
        if (tags && tags.size) {
          parts.push(h("footer", { className: "story__footer", key: "f" },
                       h("div", { className: "story__tags" }, h("h2", { className: "story__footer-title" }, "Themes"),
                         h("ul", { className: "chips", role: "list" },
                           tags.toArray().map(function (tag) { return h("li", { key: tag }, h("a", { className: "chip" }, tag)); })))));
        }
        var article = h("article", { className: "story", lang: lang, dir: RTL.test(lang) ? "rtl" : "ltr" }, parts);
        // the palette and type wrappers a page has (site_src/overrides/main.html), which the stylesheet keys on
        return h("div", { "data-md-color-scheme": "default", "data-md-color-primary": "indigo", dir: "ltr" },
                 h("div", { className: "md-content" }, h("div", { className: "md-content__inner md-typeset" }, article)));
      },
    }));
  }

  var FENCE = /^---\r?\n([\s\S]*?)\r?\n?---\r?\n?([\s\S]*)$/;
  var DEFAULT_FALSE = ["draft", "withdrawn", "minor"];
  // Written in double quotes, as the project's files and templates write them, so that a pull
  // request from the editor changes the lines that were edited and no others.
  var QUOTED = ["id", "title", "summary", "place", "translation_of", "image_alt", "photo_alt", "content_warning",
                "ref", "name", "role", "lives_in", "theme", "hashtag", "guardian_consent_ref"];

  function house(node) {  // lists of plain values inline ([a, b]), texts quoted
    if (!node) return;
    if (node.kind === "mapping") {
      node.items.forEach(function (item) {
        if (item.value && item.value.kind === "scalar" && QUOTED.indexOf(item.key.value) >= 0
            && typeof item.value.value === "string" && !/^(true|false|null|-?\d+)$/.test(item.value.value)) {
          item.value.style = jsyaml.SCALAR_STYLE.DOUBLE_QUOTED;
        }
        house(item.value);
        if (item.value && item.value.kind === "sequence" && (item.key.value === "by" || item.key.value === "partners")) {
          item.value.items.forEach(function (i) { if (i.kind === "scalar") i.style = jsyaml.SCALAR_STYLE.DOUBLE_QUOTED; });
        }
      });
    } else if (node.kind === "sequence") {
      if (node.items.every(function (i) { return i.kind === "scalar"; })) {
        node.style = jsyaml.COLLECTION_STYLE.FLOW;
        node.items.forEach(function (i) {
          if (/[\s,]/.test(i.value)) i.style = jsyaml.SCALAR_STYLE.DOUBLE_QUOTED;
        });
      }
      node.items.forEach(house);
    }
  }

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

  // The order of the fields in each file read, so that saving keeps it (Decap hands toFile the
  // form's order). A story is known by its id, which never changes; others by what names them.
  var ORDERS = {};
  // Whole-line comments above a top-level key (a maintainer's note in a campaign file), put back
  // above the same key on saving: YAML parsers drop comments.
  var COMMENTS = {};
  function commentsIn(yaml) {
    var found = {}, pending = [];
    yaml.split(/\r?\n/).forEach(function (line) {
      if (/^\s*#/.test(line)) { pending.push(line); return; }
      var key = /^([A-Za-z_][\w-]*):/.exec(line);
      if (key && pending.length) { found[key[1]] = pending; }
      if (key || line.trim() === "") pending = [];
    });
    return found;
  }
  function withComments(yaml, comments) {
    return yaml.split("\n").map(function (line) {
      var key = /^([A-Za-z_][\w-]*):/.exec(line);
      return key && comments[key[1]] ? comments[key[1]].concat(line).join("\n") : line;
    }).join("\n");
  }
  function identity(data) {
    return data.id ? "id:" + data.id : data.hashtag ? "campaign:" + data.hashtag : "person:" + (data.name || "");
  }

  CMS.registerCustomFormat("stories-frontmatter", "md", {
    fromFile: function (content) {
      var match = FENCE.exec(content);
      if (!match) return { body: content };
      var data = jsyaml.load(match[1], { schema: jsyaml.CORE_SCHEMA }) || {};
      if ("by" in data) data.by = bylinesIn(data.by);
      ORDERS[identity(data)] = Object.keys(data);
      COMMENTS[identity(data)] = commentsIn(match[1]);
      data.body = match[2];
      return data;
    },
    toFile: function (data, sortedKeys) {
      var known = ORDERS[identity(data)] || [];
      var keys = known.concat(sortedKeys || [], Object.keys(data)).filter(function (k, i, all) {
        return all.indexOf(k) === i;
      });
      var meta = tidy(data, keys);
      if (Array.isArray(meta.by)) meta.by = bylinesOut(meta.by);
      var yaml = jsyaml.dump(meta, {
        schema: jsyaml.CORE_SCHEMA, lineWidth: -1, noRefs: true, quoteStyle: "double",
        transform: function (documents) { documents.forEach(function (d) { house(d.contents); }); },
      });
      yaml = withComments(yaml, COMMENTS[identity(data)] || {});
      return "---\n" + yaml + "---\n" + (data.body || "");
    },
  });
})();
