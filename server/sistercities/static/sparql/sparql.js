// Progressive enhancement of the SPARQL page (the page works without it: the form posts, the server
// answers with the results table). With JavaScript: a CodeMirror editor (vendored, static/vendor/)
// with SPARQL highlighting and completion of keywords, prefixes, our ontology's terms (from the
// form's data-editor attribute, written by the server) and variables; Ctrl+Enter runs; results come
// with fetch() as SPARQL JSON into a table that sorts and pages; the address bar holds ?query=.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  if (!form || !window.fetch) return;
  var base = form.getAttribute("data-base"), root = form.getAttribute("data-root") || "";
  var endpoint = form.getAttribute("action");
  var out = document.getElementById("results"), status = document.getElementById("sparql-status");
  var textarea = document.getElementById("query"), format = document.getElementById("format");
  var MAX_ROWS = 1000, PAGE = 50, MAX_URL = 4000; // gunicorn refuses request lines over 4094 bytes
  var vocab = { ns: "", terms: [], prefixes: {} };
  try { vocab = JSON.parse(form.getAttribute("data-editor") || "{}"); } catch (e) { /* no completion */ }
  var KEYWORDS = ("SELECT CONSTRUCT DESCRIBE ASK WHERE FILTER OPTIONAL UNION MINUS GRAPH BIND VALUES " +
    "PREFIX BASE DISTINCT REDUCED ORDER BY GROUP HAVING LIMIT OFFSET ASC DESC AS NOT EXISTS IN FROM NAMED " +
    "COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT STR LANG LANGMATCHES DATATYPE BOUND IRI BNODE " +
    "CONTAINS STRSTARTS STRENDS REGEX REPLACE LCASE UCASE STRLEN SUBSTR YEAR COALESCE IF isIRI isLiteral").split(" ");

  function el(tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
  function link(iri) { return iri.indexOf(base) === 0 ? root + "/" + iri.slice(base.length) : iri; }
  function queryURL(q, fmt) { return endpoint + "?query=" + encodeURIComponent(q) + (fmt ? "&format=" + fmt : ""); }

  // ---- the editor --------------------------------------------------------------------------
  var cm = null;
  function getQuery() { return cm ? cm.getValue() : textarea.value; }
  function setQuery(q) { if (cm) cm.setValue(q); else textarea.value = q; }
  function declared(q) { // the query's own PREFIX declarations
    var found = {}, re = /PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>/gi, m;
    while ((m = re.exec(q))) found[m[1] || ""] = m[2];
    return found;
  }
  function startsWith(s, p) { return s.toLowerCase().indexOf(p.toLowerCase()) === 0; }
  function complete(editor) {
    var C = window.CodeMirror, cur = editor.getCursor(), line = editor.getLine(cur.line);
    var start = cur.ch;
    while (start > 0 && /[\w:?$-]/.test(line.charAt(start - 1))) start--;
    var word = line.slice(start, cur.ch), q = editor.getValue(), own = declared(q), list = [];
    var colon = word.indexOf(":");
    if (word.charAt(0) === "?" || word.charAt(0) === "$") {
      var seen = {}, re = /[?$]([A-Za-z_]\w*)/g, m;
      while ((m = re.exec(q))) {
        var v = word.charAt(0) + m[1];
        if (!seen[v] && v !== word && startsWith(v, word)) { seen[v] = 1; list.push(v); }
      }
    } else if (colon >= 0) {
      var pfx = word.slice(0, colon), local = word.slice(colon + 1), ns = own[pfx] || vocab.prefixes[pfx];
      if (ns && ns === vocab.ns) {
        vocab.terms.forEach(function (t) {
          if (startsWith(t.n, local)) list.push({ text: pfx + ":" + t.n, displayText: pfx + ":" + t.n + (t.l ? " — " + t.l : "") + " (" + t.k + ")", className: "hint-" + t.k, prefix: pfx, ns: ns });
        });
      }
    } else {
      Object.keys(own).concat(Object.keys(vocab.prefixes)).forEach(function (p) {
        if (p && startsWith(p, word) && list.every(function (c) { return c.text !== p + ":"; })) {
          list.push({ text: p + ":", displayText: p + ": <" + (own[p] || vocab.prefixes[p]) + ">", className: "hint-prefix", prefix: p, ns: own[p] || vocab.prefixes[p] });
        }
      });
      if (word) KEYWORDS.forEach(function (k) { if (startsWith(k, word) && k !== word.toUpperCase()) list.push({ text: k, className: "hint-keyword" }); });
    }
    list.forEach(function (c) {
      if (typeof c === "object" && c.prefix && !(c.prefix in own)) {
        c.hint = function (ed, self, choice) { // a prefix the query lacks: declare it too
          ed.replaceRange(choice.text, self.from, self.to);
          ed.replaceRange("PREFIX " + choice.prefix + ": <" + choice.ns + ">\n", C.Pos(0, 0));
        };
      }
    });
    return { list: list, from: C.Pos(cur.line, start), to: C.Pos(cur.line, cur.ch) };
  }
  function run() { if (form.requestSubmit) form.requestSubmit(); else submit(null); }
  if (window.CodeMirror) {
    cm = window.CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query", lineNumbers: true, matchBrackets: true, indentUnit: 2,
      viewportMargin: Infinity, hintOptions: { hint: complete, completeSingle: false },
      extraKeys: { "Ctrl-Enter": run, "Cmd-Enter": run, "Ctrl-Space": "autocomplete" }
    });
    cm.on("inputRead", function (ed, change) {
      if (ed.state.completionActive || change.origin !== "+input") return;
      var cur = ed.getCursor(), before = ed.getLine(cur.line).slice(0, cur.ch);
      if (/(^|[^\w:])([A-Za-z][\w-]*:[\w-]*|[?$]\w+)$/.test(before)) ed.showHint();
    });
    cm.on("change", function () { clearMark(); });
    cm.getInputField().setAttribute("aria-label", "SPARQL query");  // the editor's own input gets the form's label
    var scroller = cm.getScrollerElement();  // a scrollable region must be reachable by keyboard: focus goes to the editor
    scroller.setAttribute("tabindex", "0");
    scroller.addEventListener("focus", function () { cm.focus(); });
  } else {
    textarea.addEventListener("keydown", function (ev) { if ((ev.ctrlKey || ev.metaKey) && ev.key === "Enter") { ev.preventDefault(); run(); } });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".sparql-keys"), function (p) { p.hidden = false; });

  // ---- errors -------------------------------------------------------------------------------
  var marked = null;
  function clearMark() { if (cm && marked !== null) { cm.removeLineClass(marked, "background", "sparql-error-line"); marked = null; } }
  function markPosition(text) { // "line 3, column 7" from the server's message: point the editor there
    var m = /line (\d+), column (\d+)/.exec(text);
    if (!m || !cm) return m;
    var line = Math.min(+m[1] - 1, cm.lineCount() - 1);
    clearMark(); marked = line;
    cm.addLineClass(line, "background", "sparql-error-line");
    cm.setCursor({ line: line, ch: Math.max(+m[2] - 1, 0) });
    return m;
  }
  function showError(title, text) {
    out.textContent = "";
    var d = el("div", null, "sparql-error");
    d.setAttribute("role", "alert");
    d.appendChild(el("strong", title));
    if (text) d.appendChild(el("pre", text));
    out.appendChild(d);
  }

  // ---- the results table: sorting and paging, for the server's table and ours alike --------
  function sortKey(td) {
    if (td.classList.contains("unbound")) return null;
    var a = td.querySelector("a"), t = a ? a.textContent : (td.firstChild && td.firstChild.nodeType === 3 ? td.firstChild.nodeValue : td.textContent);
    return t.trim();
  }
  function compare(a, b) {
    if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1; // empty cells last
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) return x - y;
    return a.localeCompare(b);
  }
  function enhance(table) {
    if (!table || table.getAttribute("data-enhanced")) return;
    table.setAttribute("data-enhanced", "1");
    var tbody = table.tBodies[0], rows = Array.prototype.slice.call(tbody.rows), page = 0;
    var pager = null, info = null, prev = null, next = null;
    function show() {
      var pages = Math.max(1, Math.ceil(rows.length / PAGE));
      page = Math.min(Math.max(page, 0), pages - 1);
      rows.forEach(function (r, i) { r.hidden = Math.floor(i / PAGE) !== page; });
      if (pager) {
        info.textContent = "rows " + (page * PAGE + 1) + "–" + Math.min(rows.length, (page + 1) * PAGE) + " of " + rows.length + " (page " + (page + 1) + " of " + pages + ")";
        prev.disabled = page === 0; next.disabled = page === pages - 1;
      }
    }
    if (rows.length > PAGE) {
      pager = el("nav", null, "sparql-pager"); pager.setAttribute("aria-label", "result pages");
      prev = el("button", "‹ previous"); next = el("button", "next ›"); info = el("span");
      prev.type = next.type = "button";
      prev.addEventListener("click", function () { page--; show(); });
      next.addEventListener("click", function () { page++; show(); });
      pager.appendChild(prev); pager.appendChild(info); pager.appendChild(next);
      var wrap = table.parentNode;
      wrap.parentNode.insertBefore(pager, wrap.nextSibling);
    }
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      var b = el("button", th.textContent, "sort");
      b.type = "button"; b.title = "sort by " + th.textContent;
      th.textContent = ""; th.appendChild(b);
      th.addEventListener("click", function () { // the whole header cell; the button gives keyboard access
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var keyed = rows.map(function (r, i) { return [sortKey(r.cells[col]), i, r]; });
        keyed.sort(function (p, q) { var c = compare(p[0], q[0]); if (p[0] !== null && q[0] !== null) c *= dir; return c || p[1] - q[1]; });
        rows = keyed.map(function (k) { return k[2]; });
        rows.forEach(function (r) { tbody.appendChild(r); });
        page = 0; show();
      });
    });
    show();
    map(table);
  }

  // a map, when the table has latitude and longitude columns (?lat/?latitude, ?long/?lon/?lng/?longitude):
  // SVG drawn with attributes only (no style), equirectangular, fitted to the points, no tiles
  var SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }
  function map(table) {
    var heads = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.textContent.trim().toLowerCase(); });
    var la = heads.findIndex(function (h) { return /^(lat|latitude)$/.test(h); });
    var lo = heads.findIndex(function (h) { return /^(long|lon|lng|longitude)$/.test(h); });
    if (la < 0 || lo < 0) return;
    var pts = [];
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      var y = Number(sortKey(r.cells[la])), x = Number(sortKey(r.cells[lo]));
      var name = r.cells[la === 0 || lo === 0 ? Math.max(la, lo) + 1 : 0];
      if (isFinite(x) && isFinite(y) && Math.abs(y) <= 90 && Math.abs(x) <= 180 && sortKey(r.cells[la]) && sortKey(r.cells[lo])) {
        pts.push({ x: x, y: y, label: name ? name.textContent.replace(/^.*\//, "") : "", href: name && name.querySelector("a") ? name.querySelector("a").href : null });
      }
    });
    if (!pts.length) return;
    var W = 640, M = 6;
    var minx = Math.min.apply(null, pts.map(function (p) { return p.x; })) - M * 2, maxx = Math.max.apply(null, pts.map(function (p) { return p.x; })) + M * 2;
    var miny = Math.min.apply(null, pts.map(function (p) { return p.y; })) - M, maxy = Math.max.apply(null, pts.map(function (p) { return p.y; })) + M;
    var sx = Math.max(maxx - minx, 40), sy = Math.max(maxy - miny, 20), cx = (minx + maxx) / 2, cy = (miny + maxy) / 2;
    var scale = Math.min(W / sx, 420 / sy), H = Math.max(240, Math.round(sy * scale));
    sx = W / scale; sy = H / scale;
    var x0 = cx - sx / 2, y0 = cy + sy / 2;
    var root = svg("svg", { "class": "twin-map results-map", viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", "aria-label": "Map of the " + pts.length + " results with coordinates" });
    root.appendChild(svg("rect", { "class": "sea", x: 0, y: 0, width: W, height: H }));
    var grid = svg("g", { "class": "graticule", "aria-hidden": "true" }), step = sx <= 120 ? 10 : 30, v;
    for (v = Math.ceil(x0 / step) * step; v <= x0 + sx; v += step) { var gx = (v - x0) * scale; grid.appendChild(svg("line", { x1: gx, y1: 0, x2: gx, y2: H })); grid.appendChild(svg("text", { x: gx + 2, y: H - 4 }, v + "°")); }
    for (v = Math.ceil((y0 - sy) / step) * step; v <= y0; v += step) { var gy = (y0 - v) * scale; grid.appendChild(svg("line", { x1: 0, y1: gy, x2: W, y2: gy })); grid.appendChild(svg("text", { x: 2, y: gy - 2 }, v + "°")); }
    root.appendChild(grid);
    pts.forEach(function (p) {
      var c = svg("circle", { "class": "twin", cx: ((p.x - x0) * scale).toFixed(1), cy: ((y0 - p.y) * scale).toFixed(1), r: 4 });
      c.appendChild(svg("title", {}, (p.label ? p.label + " " : "") + "(" + p.y + ", " + p.x + ")"));
      if (p.href) { var a = svg("a", { href: p.href }); a.appendChild(c); root.appendChild(a); } else root.appendChild(c);
    });
    var wrap = table.parentNode;
    wrap.parentNode.insertBefore(root, wrap);
  }

  function cell(term) {
    var td = el("td");
    if (!term) { td.className = "unbound"; return td; }
    if (term.type === "uri") { var a = el("a", term.value); a.href = link(term.value); td.appendChild(a); td.className = "uri"; return td; }
    if (term.type === "bnode") { td.textContent = "_:" + term.value; td.className = "bnode"; return td; }
    td.textContent = term.value;
    var note = term["xml:lang"] ? "@" + term["xml:lang"] : (term.datatype && term.datatype !== "http://www.w3.org/2001/XMLSchema#string" ? term.datatype.replace("http://www.w3.org/2001/XMLSchema#", "xsd:") : "");
    if (note) { td.appendChild(document.createTextNode(" ")); td.appendChild(el("small", note)); }
    return td;
  }
  function downloads(q, graph) {
    var p = el("p", "Download: ", "sparql-links");
    var names = graph ? [["Turtle", "ttl"], ["N-Triples", "nt"], ["JSON-LD", "jsonld"]] : [["CSV", "csv"], ["JSON", "json"]];
    names.forEach(function (n, i) {
      var a = el("a", n[0]); a.href = queryURL(q, n[1]); a.setAttribute("data-format", n[1]); a.setAttribute("download", "results." + n[1]);
      if (i) p.appendChild(document.createTextNode(" · "));
      p.appendChild(a);
    });
    p.appendChild(document.createTextNode(" — "));
    var perm = el("a", "link to this query", "sparql-permalink"); perm.href = queryURL(q);
    p.appendChild(perm);
    return p;
  }
  function render(doc, q) {
    out.textContent = "";
    if ("boolean" in doc) { var p = el("p", "ASK result: ", "sparql-count"); p.appendChild(el("strong", String(doc.boolean))); out.appendChild(p); return; }
    var vars = doc.head.vars || [], rows = doc.results.bindings;
    out.appendChild(el("p", rows.length + " result" + (rows.length === 1 ? "" : "s") + (rows.length > MAX_ROWS ? "; showing the first " + MAX_ROWS + " — download them all below" : "") + ".", "sparql-count"));
    out.appendChild(downloads(q, false));
    var wrap = el("div", null, "sparql-scroll"), table = el("table", null, "sparql-results");
    var tr = el("tr"); vars.forEach(function (v) { tr.appendChild(el("th", v)); });
    var thead = el("thead"); thead.appendChild(tr); table.appendChild(thead);
    var tbody = el("tbody");
    rows.slice(0, MAX_ROWS).forEach(function (b) { var r = el("tr"); vars.forEach(function (v) { r.appendChild(cell(b[v])); }); tbody.appendChild(r); });
    table.appendChild(tbody); wrap.appendChild(table); out.appendChild(wrap);
    enhance(table);
  }
  // undeclared ontology terms (SPARQL-Warning header): shown above the results, the results unchanged
  function warn(header) {
    if (!header) return;
    var box = el("div", null, "sparql-warning"), list = el("ul");
    box.setAttribute("role", "note");
    box.appendChild(el("strong", "Check the query's terms"));
    box.appendChild(document.createTextNode(" (the results below are what the query as written finds):"));
    header.split(/,\s*(?=undeclared term)/).forEach(function (w) { list.appendChild(el("li", w)); });
    box.appendChild(list);
    out.insertBefore(box, out.firstChild);
  }
  function remember(q) { // the address bar holds the query: reload or share it
    var url = queryURL(q);
    if (url.length > MAX_URL || !window.history || !history.pushState) return;
    if (location.pathname + location.search !== url) history.pushState({ query: q }, "", url);
  }

  function submit(ev) {
    if (cm) cm.save();
    if (format.value !== "html") return; // other formats: let the browser show/download them
    if (ev) ev.preventDefault();
    var q = getQuery();
    status.textContent = "running…";
    clearMark();
    var started = Date.now();
    fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: "query=" + encodeURIComponent(q)
    }).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      return resp.text().then(function (text) {
        status.textContent = "HTTP " + resp.status + " in " + (Date.now() - started) + " ms";
        if (!resp.ok) {
          if (type.indexOf("text/plain") !== 0) text = "";  // a proxy's page, not the engine's message
          var m = markPosition(text);
          showError(m ? "Syntax error at line " + m[1] + ", column " + m[2] :
            resp.status >= 500 && !text ? "The query engine failed on this query (HTTP " + resp.status + ")." : "Error " + resp.status, text);
          if (resp.status === 400) remember(q); // a broken query has a link too: to share, to ask about
          return;
        }
        if (type.indexOf("json") >= 0) render(JSON.parse(text), q);
        else { out.textContent = ""; out.appendChild(downloads(q, true)); out.appendChild(el("pre", text)); }
        warn(resp.headers.get("SPARQL-Warning"));
        remember(q);
      });
    }).catch(function () { // the connection died (server gone, network down) or the answer was cut off
      status.textContent = "failed after " + (Date.now() - started) + " ms";
      showError("The query engine failed on this query: the connection closed before a complete answer came. Try again in a moment, or simplify the query.", "");
    });
  }
  form.addEventListener("submit", submit);
  window.addEventListener("popstate", function () { location.reload(); });

  // copy a link to the query in the editor
  var copy = el("button", "Copy link", "copy-link");
  copy.type = "button"; copy.id = "copy-link";
  copy.addEventListener("click", function () {
    var url = new URL(queryURL(getQuery()), location.href).href;
    function done() { status.textContent = "link copied"; }
    function fallback() { status.textContent = ""; var a = el("a", "link to this query"); a.href = url; status.appendChild(a); }
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(url).then(done, fallback);
    else fallback();
  });
  status.parentNode.insertBefore(copy, status);

  // the server's results (a ?query= link opened, or the no-JS path): the same sorting and paging
  enhance(out.querySelector("table.sparql-results"));
  var serverError = out.querySelector(".sparql-error pre");
  if (serverError) markPosition(serverError.textContent);

  // example "run" links: load into the editor and run here (a modified click opens the link as usual)
  Array.prototype.forEach.call(document.querySelectorAll(".sparql-examples li"), function (li) {
    var a = li.querySelector("a.run-example"), pre = li.querySelector("pre.example-query");
    if (!a || !pre) return;
    a.addEventListener("click", function (ev) {
      if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault(); setQuery(pre.textContent); format.value = "html";
      form.scrollIntoView(); run();
    });
  });
})();
