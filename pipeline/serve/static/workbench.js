// Review workbench: links between a value's row, its box on the page and its words in the text;
// adding a value from a selection of the text (start/end are offsets in code points of the
// record's text, as the record's evidence counts them). No libraries, nothing loaded from outside.
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  function flash(n, scroll) {
    const targets = [document.getElementById("row-" + n), document.getElementById("box-" + n),
                     document.getElementById("ev-" + n)].filter(Boolean);
    $$(".flash").forEach(el => { if (!el.classList.contains("flash-error") && !el.hasAttribute("role")) el.classList.remove("flash"); });
    $$('[data-n="' + n + '"].box').forEach(el => targets.push(el));
    targets.forEach(el => el.classList.add("flash"));
    if (scroll) {
      const details = targets.map(el => el.closest("details")).filter(Boolean);
      details.forEach(d => { d.open = true; });
      targets.forEach(el => { if (el.scrollIntoView) el.scrollIntoView({block: "center", inline: "nearest"}); });
    }
    return targets.length;
  }
  window.workbenchFlash = flash;

  function fromHash() {
    const m = /^#(?:row|box|ev)-(\d+)$/.exec(location.hash);
    if (m) flash(m[1], true);
  }
  window.addEventListener("hashchange", fromHash);

  document.addEventListener("click", ev => {
    const show = ev.target.closest("a.show, a.box");
    if (show) {
      const href = show.getAttribute("href") || "";
      if (href.startsWith("#")) {
        ev.preventDefault();
        flash(show.dataset.n, true);
        history.replaceState(null, "", href);
      }
      return;
    }
    const mark = ev.target.closest("mark.ev");
    if (mark && window.getSelection().isCollapsed) {
      const id = mark.id || mark.dataset.of || "";
      const n = id.replace("ev-", "");
      if (n) flash(n, true);
    }
    if (ev.target.matches("dialog .cancel")) { $("#add-dialog").close(); }
  });

  document.addEventListener("submit", ev => {
    const form = ev.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) ev.preventDefault();
  });

  // -- selections of the text -----------------------------------------------------------
  const text = $("#text");
  const bar = $("#selection-bar");
  let current = null;

  function cpLength(s) { let n = 0; for (const _ of s) n++; return n; }

  function offsetOf(node, offset) {
    const range = document.createRange();
    range.setStart(text, 0);
    range.setEnd(node, offset);
    return cpLength(range.toString());
  }

  function selectionSpan() {
    const sel = window.getSelection();
    if (!text || !sel || sel.isCollapsed || sel.rangeCount === 0) return null;
    const range = sel.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return null;
    const base = parseInt(text.dataset.start, 10) || 0;
    let start = offsetOf(range.startContainer, range.startOffset);
    let end = offsetOf(range.endContainer, range.endOffset);
    let quote = range.toString();
    const lead = quote.length - quote.trimStart().length, trail = quote.length - quote.trimEnd().length;
    quote = quote.trim();
    if (!quote) return null;
    start += cpLength(range.toString().slice(0, lead));
    end -= cpLength(range.toString().slice(range.toString().length - trail));
    return {start: base + start, end: base + end, quote: quote, rect: range.getBoundingClientRect()};
  }
  window.workbenchSelection = selectionSpan;

  function showBar() {
    current = selectionSpan();
    if (!bar) return;
    if (!current) { bar.hidden = true; return; }
    $(".sel-quote", bar).textContent = "“" + current.quote + "”";
    bar.hidden = false;
    const top = Math.max(4, current.rect.top - bar.offsetHeight - 8);
    bar.style.top = top + "px";
    bar.style.left = Math.max(4, Math.min(current.rect.left, window.innerWidth - bar.offsetWidth - 8)) + "px";
  }
  if (text) {
    text.addEventListener("mouseup", () => setTimeout(showBar, 0));
    text.addEventListener("keyup", () => setTimeout(showBar, 0));
  }

  function fill(form, span) {
    form.elements.start.value = span.start;
    form.elements.end.value = span.end;
    form.elements.quote.value = span.quote;
  }

  // Guesses for a new item from its words; the reviewer checks them before adding.
  const NUMBER = /(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)\s*(%)?/;
  function guess(family, quote) {
    const g = {};
    const year = /(?:năm|đến|giai đoạn)\s*(?:\d{4}\s*[-–]\s*)?((?:19|20)\d{2})/i.exec(quote) || /\b((?:19|20)\d{2})\b/.exec(quote);
    if (family === "targets") {
      const rest = quote.replace(/\b(19|20)\d{2}\b/g, " ");
      const m = NUMBER.exec(rest);
      if (m) {
        g.value = m[1];
        g.unit = m[2] ? "percent" : "count";
        g.indicator = rest.slice(m.index + m[0].length).replace(/^[\s:,.-]+|[\s;,.]+$/g, "") || null;
      }
      g.comparator = /ít nhất|tối thiểu|không dưới|trở lên/i.test(quote) ? "min"
        : /tối đa|không quá|không vượt/i.test(quote) ? "max" : /khoảng|gần/i.test(quote) ? "approx"
        : /trên /i.test(quote) ? "gt" : /dưới /i.test(quote) ? "lt" : "eq";
      if (year) g.year = year[1];
    } else if (family === "reward_quotas") {
      const c = /(\d+)\s*tập thể/i.exec(quote), i = /(\d+)\s*cá nhân/i.exec(quote);
      if (c) g.collectives = c[1];
      if (i) g.individuals = i[1];
      const award = /(Bằng khen|Giấy khen|Cờ thi đua|Huân chương[^,;]*|Danh hiệu[^,;]*)/i.exec(quote);
      if (award) g.award = award[1];
      if (year) g.year = year[1];
    } else if (family === "references") {
      const n = /\d+[\/\-][\w\-\/Đđ]+/u.exec(quote);
      if (n) g.number = n[0];
      const d = /(\d{1,2})[\/\-](\d{1,2})[\/\-](\d{4})/.exec(quote);
      if (d) g.issued_on = d[3] + "-" + d[2].padStart(2, "0") + "-" + d[1].padStart(2, "0");
    } else if (family === "dates") {
      const d = /(\d{1,2})[\/\-](\d{1,2})[\/\-](\d{4})/.exec(quote);
      if (d) { g.value = d[3] + "-" + d[2].padStart(2, "0") + "-" + d[1].padStart(2, "0"); g.precision = "day"; }
    } else if (family === "criteria" || family === "participants") {
      g.text = quote;
    } else if (family === "responsibilities") {
      g.unit = quote;
    } else if (family === "schedule") {
      g.task = quote;
    }
    return g;
  }

  function openAdd() {
    const span = current || selectionSpan();
    if (!span) return;
    const family = $("#add-family").value;
    const dialog = $("#add-dialog");
    $$(".add-form", dialog).forEach(f => { f.hidden = f.dataset.family !== family; });
    const form = $('.add-form[data-family="' + family + '"]', dialog);
    fill(form, span);
    $("blockquote.selected", form).textContent = span.quote;
    const g = guess(family, span.quote);
    Object.keys(g).forEach(k => {
      const input = form.elements["v:" + k];
      if (input && g[k] !== null && g[k] !== undefined) input.value = g[k];
    });
    bar.hidden = true;
    dialog.showModal();
    const first = $("input:not([type=hidden]), select, textarea", form);
    if (first) first.focus();
  }
  const addButton = $("#add-from-selection");
  if (addButton) addButton.addEventListener("click", openAdd);

  const setForm = $("#set-form");
  if (setForm) setForm.addEventListener("submit", ev => {
    const span = current || selectionSpan();
    if (!span) { ev.preventDefault(); return; }
    fill(setForm, span);
    setForm.elements.field.value = $("#set-field").value;
  });

  fromHash();
})();
