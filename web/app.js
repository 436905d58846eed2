// The zhsearch search page: plain DOM, no framework, no inline HTML.
// Text from the index or the user only ever reaches the page through
// textContent, so it cannot inject markup.
'use strict';

const PAGE = 10;
const $ = (id) => document.getElementById(id);
const form = $('search'), q = $('q'), list = $('suggest');
const statusLine = $('status'), results = $('results');
const pager = $('pager'), prev = $('prev'), next = $('next');
const filters = { source: $('source'), from: $('from'), to: $('to'),
                  sort: $('sort') };
let page = 1, lastTotal = 0, active = -1, items = [];
let suggestTimer = 0, suggestAbort = null, searchAbort = null;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// The query sent to the API: the box plus the filters, in the query
// language (source:"..." and date:FROM..TO).
function fullQuery() {
  let s = q.value.trim();
  const src = filters.source.value.trim().replace(/"/g, '');
  if (src) s += ` source:"${src}"`;
  const from = filters.from.value.trim(), to = filters.to.value.trim();
  if ((from && filters.from.validity.valid) || (to && filters.to.validity.valid))
    s += ` date:${from}..${to}`;
  return s;
}

// Appends text with the code-point spans hl wrapped in <mark>.
function marked(parent, text, hl) {
  const cps = Array.from(text);
  let at = 0;
  for (const [s, e] of hl || []) {
    if (s > at) parent.append(cps.slice(at, s).join(''));
    parent.append(el('mark', null, cps.slice(s, e).join('')));
    at = e;
  }
  if (at < cps.length) parent.append(cps.slice(at).join(''));
}

function showError(msg) {
  results.replaceChildren();
  pager.hidden = true;
  statusLine.replaceChildren(el('span', 'error', msg));
}

async function toggleDoc(li, id, button) {
  const open = li.querySelector('.fulltext');
  if (open) {
    open.remove();
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  const r = await fetch('/api/doc/' + encodeURIComponent(id));
  const d = await r.json();
  const pre = el('div', 'fulltext', r.ok ? d.text : d.error.message);
  pre.tabIndex = 0;
  li.append(pre);
  button.setAttribute('aria-expanded', 'true');
}

function renderHit(h) {
  const li = el('li', 'hit');
  li.dataset.id = h.id;
  const title = el('h3', 'hit-title');
  const b = el('button', null, h.title || h.id);
  b.type = 'button';
  b.setAttribute('aria-expanded', 'false');
  b.addEventListener('click', () => toggleDoc(li, h.id, b));
  title.append(b);
  li.append(title);
  const meta = [h.date, h.source, h.id].filter(Boolean).join(' · ');
  li.append(el('p', 'meta', meta));
  for (const s of h.snippets || []) {
    const p = el('p', 'snippet');
    if (s.line) p.append(el('span', 'line', 'L' + s.line));
    marked(p, s.text, s.highlights);
    li.append(p);
  }
  return li;
}

function render(d) {
  lastTotal = d.total;
  results.replaceChildren(...d.hits.map(renderHit));
  const pages = Math.max(1, Math.ceil(d.total / PAGE));
  const about = d.total_exact === false ? '约 about ' : '';
  statusLine.textContent = d.total === 0
    ? `没有结果 No results for ${d.query}`
    : `${about}${d.total} 条结果 results · 第 ${page} / ${pages} 页 page · ${d.took_ms} ms`
      + (d.partial ? ' · partial (a shard did not answer)' : '');
  pager.hidden = d.total <= PAGE;
  prev.disabled = page <= 1;
  next.disabled = page >= pages;
  $('pageinfo').textContent = `${page} / ${pages}`;
  if (d.facets && d.facets.source) {
    $('sources').replaceChildren(...d.facets.source.map(
      (f) => { const o = el('option'); o.value = f.value; return o; }));
  }
}

async function search(push) {
  const query = fullQuery();
  if (!query) return;
  closeSuggest();
  if (searchAbort) searchAbort.abort();
  searchAbort = new AbortController();
  const params = new URLSearchParams({ q: query, limit: PAGE,
                                       offset: (page - 1) * PAGE });
  if (filters.sort.value !== 'relevance') params.set('sort', filters.sort.value);
  params.set('facets', 'source');
  if (push) {
    const u = new URLSearchParams({ q: q.value });
    for (const k of ['source', 'from', 'to', 'sort'])
      if (filters[k].value && filters[k].value !== 'relevance') u.set(k, filters[k].value);
    if (page > 1) u.set('page', page);
    history.pushState(null, '', '?' + u);
  }
  statusLine.textContent = '搜索中… Searching…';
  try {
    const r = await fetch('/api/search?' + params, { signal: searchAbort.signal });
    const d = await r.json();
    if (!r.ok) return showError(d.error ? d.error.message : `HTTP ${r.status}`);
    render(d);
  } catch (e) {
    if (e.name !== 'AbortError') showError('搜索失败 Search failed: ' + e.message);
  }
}

// ---- completion -----------------------------------------------------

function closeSuggest() {
  list.hidden = true;
  list.replaceChildren();
  items = [];
  active = -1;
  q.setAttribute('aria-expanded', 'false');
  q.removeAttribute('aria-activedescendant');
}

function setActive(i) {
  active = i;
  list.querySelectorAll('li').forEach((li, k) =>
    li.setAttribute('aria-selected', k === i ? 'true' : 'false'));
  if (i >= 0) q.setAttribute('aria-activedescendant', 'sug-' + i);
  else q.removeAttribute('aria-activedescendant');
}

function choose(i) {
  const s = items[i];
  q.value = s.kind === 'title' ? `title:"${s.text.replace(/"/g, '')}"` : s.text;
  page = 1;
  search(true);
}

async function suggest() {
  const text = q.value;
  if (suggestAbort) suggestAbort.abort();
  if (!text.trim()) return closeSuggest();
  suggestAbort = new AbortController();
  try {
    const r = await fetch('/api/suggest?' + new URLSearchParams({ q: text, limit: 8 }),
                          { signal: suggestAbort.signal });
    if (!r.ok) return closeSuggest();
    const d = await r.json();
    if (q.value !== text) return;
    items = d.suggestions;
    if (!items.length) return closeSuggest();
    list.replaceChildren(...items.map((s, i) => {
      const li = el('li');
      li.id = 'sug-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.append(el('span', null, s.text),
                el('span', 'kind', s.kind === 'title' ? '标题 title' : `${s.docs} 篇`));
      li.addEventListener('mousedown', (ev) => { ev.preventDefault(); choose(i); });
      return li;
    }));
    list.hidden = false;
    active = -1;
    q.setAttribute('aria-expanded', 'true');
  } catch (e) {
    if (e.name !== 'AbortError') closeSuggest();
  }
}

q.addEventListener('input', () => {
  clearTimeout(suggestTimer);
  suggestTimer = setTimeout(suggest, 60);
});
q.addEventListener('keydown', (ev) => {
  if (list.hidden || !items.length) return;
  if (ev.key === 'ArrowDown') {
    ev.preventDefault();
    setActive((active + 1) % items.length);
  } else if (ev.key === 'ArrowUp') {
    ev.preventDefault();
    setActive(active <= 0 ? items.length - 1 : active - 1);
  } else if (ev.key === 'Enter' && active >= 0) {
    ev.preventDefault();
    choose(active);
  } else if (ev.key === 'Escape') {
    ev.preventDefault();
    closeSuggest();
  }
});
q.addEventListener('blur', () => setTimeout(closeSuggest, 100));

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  page = 1;
  search(true);
});
filters.sort.addEventListener('change', () => { page = 1; search(true); });

function goPage(p) {
  page = p;
  search(true).then(() => $('results-heading').focus());
}
prev.addEventListener('click', () => goPage(page - 1));
next.addEventListener('click', () => goPage(page + 1));

// State from the address, so results can be bookmarked and Back works.
function fromURL() {
  const u = new URLSearchParams(location.search);
  q.value = u.get('q') || '';
  for (const k of ['source', 'from', 'to']) filters[k].value = u.get(k) || '';
  filters.sort.value = u.get('sort') || 'relevance';
  page = Math.max(1, parseInt(u.get('page'), 10) || 1);
  if (q.value) search(false);
  else { results.replaceChildren(); pager.hidden = true; statusLine.textContent = ''; }
}
window.addEventListener('popstate', fromURL);
fromURL();
