// The zhsearch search page: plain DOM, no framework, no inline HTML.
// Text from the index or the user only ever reaches the page through
// textContent, so it cannot inject markup.
'use strict';

const PAGE = 10;
const $ = (id) => document.getElementById(id);
const form = $('search'), q = $('q'), list = $('suggest');
const statusLine = $('status'), results = $('results');
const pager = $('pager'), prev = $('prev'), next = $('next');
const facetPanel = $('facets');
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

// The filters as API parameters (source=, date=FROM..TO), which filter
// exactly as the query language's source:"..." and date:..., so the box
// keeps what the user typed and error positions refer to it.
function filterParams(params) {
  const src = filters.source.value.replace(/["＂]/g, '').trim();
  if (src) params.set('source', src);
  const from = filters.from.validity.valid ? filters.from.value.trim() : '';
  const to = filters.to.validity.valid ? filters.to.value.trim() : '';
  if (from || to) params.set('date', from === to ? from : `${from}..${to}`);
}

// The query with every white-space separated chunk quoted: each is then
// searched as the text it is, with no operators, fields or parentheses.
// Quotes cannot be escaped in the query language, so they are dropped.
function literalQuery(s) {
  return s.split(/\s+/).map((w) => w.replace(/["＂]/g, ''))
    .filter(Boolean).map((w) => `"${w}"`).join(' ');
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

// Error messages of the API in Chinese, with the English beside them.
const ERRORS = [
  [/unbalanced quote at position (\d+)/, '引号不成对（第 $1 个字符）'],
  [/unbalanced '\(' at position (\d+)/, '左括号没有配对（第 $1 个字符）'],
  [/unbalanced '\)' at position (\d+)/, '右括号没有配对（第 $1 个字符）'],
  [/empty parentheses at position (\d+)/, '括号里是空的（第 $1 个字符）'],
  [/empty phrase at position (\d+)/, '引号里没有可搜索的内容（第 $1 个字符）'],
  [/unknown field '([^']*)' at position (\d+)/, '未知字段 $1（第 $2 个字符）'],
  [/'([^']*)' at position (\d+) needs a value/, '$1 后面缺少值（第 $2 个字符）'],
  [/(OR|AND) at position (\d+) needs a term/, '$1 两边都需要搜索词（第 $2 个字符）'],
  [/(NOT|'-') at position (\d+) needs a term/, '$1 后面需要搜索词（第 $2 个字符）'],
  [/unexpected (\S+) at position (\d+)/, '这里不该出现 $1（第 $2 个字符）'],
  [/invalid date at position (\d+)/, '日期无效（第 $1 个字符）'],
  [/pinyin: at position (\d+) wants letters/, '拼音只能是不带声调的字母，如 py:yuanjiang（第 $1 个字符）'],
  [/parameter 'date' must be/, '日期无效：请用 2024、2024-03 或 2024-03-05'],
  [/has nothing to search for/, '没有可搜索的内容（只有标点？）'],
  [/empty query/, '查询是空的'],
  [/longer than (\d+) characters/, '查询太长（最多 $1 个字符）'],
  [/not valid UTF-8/, '查询含有无效字符'],
];
const CODES = { EQUERY: '查询无法解析', EUSAGE: '请求有误', ENOTFOUND: '未找到',
                ENOINDEX: '索引无法打开', EUNAVAILABLE: '索引暂时不可用',
                ENOMEM: '服务器内存不足' };

function chinese(e) {
  for (const [re, zh] of ERRORS) {
    const m = e.message.match(re);
    if (m) return m[0].replace(re, zh);
  }
  return CODES[e.code] || '出错了';
}

// An error in the status line: Chinese, then the English message; for a
// query the box could not parse, an offer to search its literal text.
function showError(zh, en, offerLiteral) {
  results.replaceChildren();
  facetPanel.replaceChildren();
  facetPanel.hidden = true;
  pager.hidden = true;
  prev.disabled = next.disabled = true;
  const line = [el('span', 'error', zh), el('span', 'error en', en)];
  const lit = offerLiteral ? literalQuery(q.value) : '';
  if (lit && lit !== q.value.trim()) {
    const b = el('button', 'literal', `搜索字面文本 ${lit}？ Search the literal text instead?`);
    b.id = 'literal';
    b.type = 'button';
    b.addEventListener('click', () => { q.value = lit; page = 1; search(true); });
    line.push(b);
  }
  statusLine.replaceChildren(...line);
}

async function toggleDoc(li, id, button) {
  const open = li.querySelector('.fulltext');
  if (open) {
    open.remove();
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  let text;
  try {
    const r = await fetch('/api/doc/' + encodeURIComponent(id));
    const d = await r.json();
    text = r.ok ? d.text : `${chinese(d.error)} ${d.error.message}`;
  } catch (e) {
    text = `无法打开文档 Could not open the document: ${e.message}`;
  }
  const pre = el('div', 'fulltext', text);
  pre.tabIndex = 0;
  li.append(pre);
  button.setAttribute('aria-expanded', 'true');
}

function renderHit(h) {
  const li = el('li', h.relaxed ? 'hit relaxed' : 'hit');
  li.dataset.id = h.id;
  const title = el('h3', 'hit-title');
  const b = el('button', null, h.title || h.id);
  b.type = 'button';
  b.setAttribute('aria-expanded', 'false');
  b.addEventListener('click', () => toggleDoc(li, h.id, b));
  title.append(b);
  li.append(title);
  const meta = [h.date, h.source, h.id,
                h.relaxed ? `部分匹配 partial match (${h.words_matched} words)` : '']
    .filter(Boolean).join(' · ');
  li.append(el('p', 'meta', meta));
  for (const s of h.snippets || []) {
    const p = el('p', 'snippet');
    if (s.line) p.append(el('span', 'line', 'L' + s.line));
    marked(p, s.text, s.highlights);
    li.append(p);
  }
  return li;
}

// The facet panel: a list per facet, each value a button that filters by
// it (source=, or the year as from and to), pressed while it filters.
function renderFacets(facets) {
  const groups = [];
  const year = filters.from.value === filters.to.value ? filters.from.value : '';
  const defs = [['source', '来源 Source', filters.source.value.trim()],
                ['year', '年份 Year', year]];
  for (const [name, label, current] of defs) {
    const values = (facets && facets[name]) || [];
    if (!values.length) continue;
    const sec = el('section', 'facet');
    sec.dataset.facet = name;
    sec.append(el('h3', null, label));
    const ul = el('ul');
    const shown = name === 'year'
      ? [...values].sort((a, b) => b.value.localeCompare(a.value)) : values;
    for (const f of shown.slice(0, 20)) {
      const li = el('li');
      const b = el('button', null);
      b.type = 'button';
      b.dataset.value = f.value;
      b.setAttribute('aria-pressed', f.value === current ? 'true' : 'false');
      b.append(el('span', 'fv', f.value), el('span', 'fc', String(f.count)));
      b.addEventListener('click', () => toggleFacet(name, f.value, f.value === current));
      li.append(b);
      ul.append(li);
    }
    sec.append(ul);
    groups.push(sec);
  }
  facetPanel.replaceChildren(...groups);
  facetPanel.hidden = groups.length === 0;
}

function toggleFacet(name, value, on) {
  if (name === 'source') filters.source.value = on ? '' : value;
  else filters.from.value = filters.to.value = on ? '' : value;
  page = 1;
  search(true);
}

function render(d) {
  lastTotal = d.total;
  results.replaceChildren(...d.hits.map(renderHit));
  // relaxed matches follow the strict ones, on pages of their own after
  const all = d.total + (d.relaxed && d.relaxation ? d.relaxation.total : 0);
  const pages = Math.max(1, Math.ceil(all / PAGE));
  const about = d.total_is_estimate ? '约 about ' : '';
  statusLine.textContent = all === 0
    ? `没有结果 No results for ${q.value.trim()}`
    : `${about}${d.total} 条结果 results · 第 ${page} / ${pages} 页 page · ${d.took_ms} ms`
      + (d.partial ? ' · 部分结果 partial (a shard did not answer)' : '');
  // A relaxed answer says what it shows instead (the strict matches first).
  if (d.relaxed && d.relaxation)
    statusLine.textContent = `${d.relaxation.message} · ` + statusLine.textContent;
  pager.hidden = all <= PAGE && page <= 1;
  prev.disabled = page <= 1;
  next.disabled = page >= pages;
  $('pageinfo').textContent = `${page} / ${pages}`;
  renderFacets(d.facets);
  if (d.facets && d.facets.source) {
    $('sources').replaceChildren(...d.facets.source.map(
      (f) => { const o = el('option'); o.value = f.value; return o; }));
  }
}

async function search(push) {
  if (!q.value.trim()) return;
  closeSuggest();
  if (searchAbort) searchAbort.abort();
  searchAbort = new AbortController();
  const params = new URLSearchParams({ q: q.value.trim(), limit: PAGE,
                                       offset: (page - 1) * PAGE });
  filterParams(params);
  if (filters.sort.value !== 'relevance') params.set('sort', filters.sort.value);
  params.set('facets', 'source,year');
  if (push) {
    const u = new URLSearchParams({ q: q.value });
    for (const k of ['source', 'from', 'to', 'sort'])
      if (filters[k].value && filters[k].value !== 'relevance') u.set(k, filters[k].value);
    if (page > 1) u.set('page', page);
    history.pushState(null, '', '?' + u);
  }
  statusLine.textContent = '搜索中… Searching…';
  prev.disabled = next.disabled = true;       // until the answer is here
  try {
    const r = await fetch('/api/search?' + params, { signal: searchAbort.signal });
    const d = await r.json();
    if (!r.ok) {
      const e = d.error || { code: '', message: `HTTP ${r.status}` };
      // a literal search helps where the box's syntax failed (the message
      // has a position), not for a bad filter or an overlong query
      return showError(chinese(e), e.message, e.code === 'EQUERY'
                       && /position/.test(e.message) && !e.message.startsWith('parameter'));
    }
    // a page past the last (an old link, a total that shrank) shows the
    // last page instead, and the address says so
    if (d.hits.length === 0 && page > 1) {
      page = Math.max(1, Math.min(page - 1, Math.ceil(d.total / PAGE)));
      const u = new URLSearchParams(location.search);
      if (page > 1) u.set('page', page); else u.delete('page');
      history.replaceState(null, '', '?' + u);
      return search(false);
    }
    render(d);
  } catch (e) {
    if (e.name !== 'AbortError') showError('搜索失败', 'Search failed: ' + e.message);
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
      // a word found by its pinyin shows the reading it matched
      li.append(el('span', null, s.text),
                ...(s.reading ? [el('span', 'reading', s.reading)] : []),
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
  if (q.value.trim()) search(false);
  else {
    results.replaceChildren();
    facetPanel.replaceChildren();
    facetPanel.hidden = true;
    pager.hidden = true;
    statusLine.textContent = '';
  }
}
window.addEventListener('popstate', fromURL);
fromURL();
