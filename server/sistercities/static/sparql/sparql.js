// Progressive enhancement of the SPARQL page: run the query with fetch() and
// render SPARQL JSON as a table, without reloading. The page works without it.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  if (!form || !window.fetch) return;
  var base = form.getAttribute("data-base"), root = form.getAttribute("data-root") || "";
  var out = document.getElementById("results"), status = document.getElementById("sparql-status");
  var query = document.getElementById("query"), format = document.getElementById("format");
  var MAX_ROWS = 1000;

  function link(iri) { return iri.indexOf(base) === 0 ? root + "/" + iri.slice(base.length) : iri; }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
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
  function render(doc) {
    out.textContent = "";
    if ("boolean" in doc) { var p = el("p", "ASK result: "); p.appendChild(el("strong", String(doc.boolean))); out.appendChild(p); return; }
    var vars = doc.head.vars || [], rows = doc.results.bindings;
    out.appendChild(el("p", rows.length + " result" + (rows.length === 1 ? "" : "s") + (rows.length > MAX_ROWS ? "; showing the first " + MAX_ROWS : "") + ".", "sparql-count"));
    var wrap = el("div", null, "sparql-scroll"), table = el("table", null, "sparql-results");
    var tr = el("tr"); vars.forEach(function (v) { tr.appendChild(el("th", v)); });
    var thead = el("thead"); thead.appendChild(tr); table.appendChild(thead);
    var tbody = el("tbody");
    rows.slice(0, MAX_ROWS).forEach(function (b) { var r = el("tr"); vars.forEach(function (v) { r.appendChild(cell(b[v])); }); tbody.appendChild(r); });
    table.appendChild(tbody); wrap.appendChild(table); out.appendChild(wrap);
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
  form.addEventListener("submit", function (ev) {
    if (format.value !== "html") return; // other formats: let the browser show/download them
    ev.preventDefault();
    status.textContent = "running…";
    var started = Date.now();
    fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: "query=" + encodeURIComponent(query.value)
    }).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      return resp.text().then(function (text) {
        status.textContent = "HTTP " + resp.status + " in " + (Date.now() - started) + " ms";
        if (!resp.ok) { out.textContent = ""; var d = el("div", null, "sparql-error"); d.appendChild(el("strong", "Error " + resp.status)); d.appendChild(el("pre", text)); out.appendChild(d); return; }
        if (type.indexOf("json") >= 0) render(JSON.parse(text));
        else { out.textContent = ""; out.appendChild(el("pre", text)); }
        warn(resp.headers.get("SPARQL-Warning"));
      });
    }).catch(function (e) { status.textContent = "failed: " + e; });
  });
  // example "run" links: load into the editor and run here instead of navigating
  Array.prototype.forEach.call(document.querySelectorAll(".sparql-examples li"), function (li) {
    var a = li.querySelector("a.run-example"), pre = li.querySelector("pre.example-query");
    if (!a || !pre) return;
    a.addEventListener("click", function (ev) {
      ev.preventDefault(); query.value = pre.textContent; format.value = "html";
      form.scrollIntoView(); form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    });
  });
})();
