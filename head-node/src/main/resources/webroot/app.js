// The live queue view of an hpc head: plain JavaScript, no build step, no outside resources.
// It reads the REST API (docs/rest-api.md) and follows /api/v1/events (docs/web.md).
'use strict';

// a row's height in px is app.css's --row-h: a table row on a wide screen, a card per job below 600 px.
// Every row has it, so the rows in sight are found by arithmetic, whatever the number of jobs.
let ROW_H = 28;
const PAGE_SIZE = 10000;         // jobs per GET /api/v1/jobs page while loading (the API's largest)
const PAGE_SIZES = [50, 100, 200, 500]; // the queue's rows per page the page offers (jobs; an array's tasks go with it)
const DEFAULT_ROWS = 100;
const BULK_PARALLEL = 4;         // bulk actions: this many requests at a time, so a big selection does not flood the head
const BULK_NAMED = 5;            // a confirmation names the jobs when at most this many, else the first few
const OVERSCAN = 12;             // rows rendered above and below the visible ones
const VIEW_THROTTLE_MS = 200;    // at most this often the sorted list is rebuilt under a burst of events
const POLL_MS = 10000;           // nodes and cluster are read again this often (load figures come by heartbeat)
const NODES_REFRESH_MS = 1000;   // at most this often the nodes are read again after jobs start or end
const FAILOVER_AFTER_MS = 4000;  // the stream down this long: try the other heads
const PROBE_TIMEOUT_MS = 1500;
const HOUR_MS = 3600 * 1000;
const OUTPUT_EVERY_MS = 2000;    // the detail's live output is read again this often while the job runs
const OUTPUT_TAIL_BYTES = 8192;  // how much of the end of stdout it shows
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const STATE_ORDER = { RUNNING: 0, QUEUED: 1, HELD: 2, FAILED: 3, CANCELLED: 4, COMPLETED: 5 };

const $ = (id) => document.getElementById(id);
const esc = (v) => String(v ?? '').replace(/[&<>"']/g,
  (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const ms = (iso) => { const t = iso ? Date.parse(iso) : 0; return Number.isFinite(t) && t > 0 ? t : 0; };

const ui = {
  jobs: new Map(),          // job number -> compact row
  nodes: new Map(),         // node name -> NodeInfo JSON
  cluster: null,            // the last cluster summary
  view: [],                 // what the table shows, in order: {r} or {r, t} for a task of an expanded array
  page: 0,                  // the page the user chose (0 = the first); shown clamped to the last page there is
  shownPage: 0,             // the page shown
  rowsPerPage: DEFAULT_ROWS,
  total: 0,                 // jobs that pass the filters, on all pages
  picked: new Map(),        // job number -> id of the jobs ticked for a bulk action
  bulkBusy: false,
  pageRows: [],             // the jobs of the page shown (without their tasks)
  viewDirty: true,
  viewTimer: 0,
  sort: { key: 'number', dir: -1 },
  filter: { text: '', user: '', state: '', queue: '' },
  mine: false,              // only the jobs of the token's user
  queues: [],               // GET /api/v1/queues: limits, enabled and started (qstat -Q)
  reservations: [],         // GET /api/v1/reservations: the advance reservations not ended (pbs_rstat)
  samples: null,            // the head's last minutes, GET /api/v1/cluster/history (the charts)
  usage: null,              // core-hours by user over the last day, GET /api/v1/report (the usage card)
  usageAt: 0,               // when it was last asked for (Date.now())
  history: false,           // also the jobs that left the live list, from the head's durable history
  expanded: new Set(),      // numbers of array jobs shown with their tasks
  selected: null,           // number of the job in the detail panel
  detail: null,             // its full JSON (with script)
  ends: new Map(),          // "number:index" -> end time (ms) of tasks that ran, for the throughput chart
  loadGen: 0,
  loading: false,
  heads: [],                // host:port of every head we know
  alerts: [],               // the newest alerts, newest first
  stream: null,
  downSince: 0,
  switching: false,
  leaving: false,
  refused: false,           // the head refused the pasted token: nothing is retried until another is pasted
  me: null,                 // whoami: whose token, which role
  focusKey: null,           // the row the keyboard is on (entryKey)
  returnFocus: null,        // where focus goes back to when the job detail closes
};

// ------------------------------------------------------------------ REST

/** The token pasted in the box at the top, kept in localStorage; every API call sends it. */
const token = () => localStorage.getItem('hpc.token') || '';
const LOGIN_HINT = 'To see the jobs and nodes, paste your API token in the token box at the top. '
  + 'Your cluster\'s administrators issue tokens.';

function showLogin(why) {
  const box = $('login');
  box.hidden = false;
  box.dataset.kind = 'login';
  box.textContent = (why ? `${why} ` : '') + LOGIN_HINT;
  setConnection('login', 'token needed');
  signedOut();
}

/**
 * The head does not know the pasted token: said once, and nothing is retried with it (the page used to
 * flip between "token needed" and "reconnecting" for ever). A new token starts again.
 */
function tokenRefused(message) {
  if (ui.refused) return;
  ui.refused = true;
  ui.downSince = 0; // the head answered: nothing to fail over from
  if (ui.stream) ui.stream.close();
  ui.stream = null;
  localStorage.removeItem('hpc.token');
  console.warn('the head refused the token:', message);
  const box = $('login');
  box.hidden = false;
  box.dataset.kind = 'refused';
  // not the head's own message: it is written for the command line (files, variables)
  box.textContent = 'Token refused: the head does not know it (mistyped, revoked or of another cluster). '
    + 'Paste another one in the token box at the top; your cluster\'s administrators issue tokens.';
  setConnection('refused', 'token refused');
  signedOut();
}

const signedIn = () => !!token() && !ui.refused;

/** Without a token the page shows nothing of the cluster it could not back up with nodes and jobs. */
function signedOut() {
  $('whoami').textContent = '';
  ui.me = null;
  ui.nodes.clear();
  renderNodes();
  ui.queues = [];
  ui.reservations = [];
  renderQueues();
  renderReservations();
  ui.jobs.clear();
  scheduleView(true);
  showFigures(false);
}

function showFigures(on) {
  $('figures-hidden').hidden = on;
  for (const id of ['cores-busy', 'cores-free', 'workers-up']) if (!on) $(id).textContent = '–';
  $('job-counts').hidden = !on;
}

async function api(method, path, json) {
  const headers = { Accept: 'application/json' };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, cache: 'no-store',
      body: json === undefined ? undefined : JSON.stringify(json) });
  } catch (e) {
    throw new Error(`cannot reach the head (${e.message}); it may be restarting`);
  }
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
  if (response.status === 401 && !ui.refused) {
    if (token()) tokenRefused(body && body.message ? body.message : '');
    else showLogin('');
  }
  if (!response.ok) {
    const message = body && body.message ? body.message : `HTTP ${response.status} ${text.slice(0, 200)}`;
    const error = new Error(message);
    error.code = body && body.code;
    throw error;
  }
  return body;
}

const jobPath = (id) => `/api/v1/jobs/${encodeURIComponent(id)}`;

// ------------------------------------------------------------------ jobs

function letter(state, notBefore) {
  switch (state) {
    case 'HELD': return 'H';
    case 'QUEUED': return notBefore > Date.now() ? 'W' : 'Q';
    case 'RUNNING': return 'R';
    default: return 'C';
  }
}

function firstStart(task) {
  return task.attempts && task.attempts.length ? ms(task.attempts[0].start) : 0;
}

/** The few fields the table needs: 100,000 of these stay small. */
function toRow(j) {
  const spec = j.spec || {};
  const res = spec.resources || {};
  const row = {
    number: j.number, id: j.id, name: spec.name || '', owner: spec.owner || '', queue: spec.queue || '',
    state: j.state, notBefore: ms(spec.notBefore), nodes: res.nodes || 1, cores: res.coresPerNode || 1,
    submitted: ms(j.submitted), started: ms(j.started), ended: ms(j.ended), version: j.version || 0,
    exitStatus: j.exitStatus, isArray: !!spec.array, gen: ui.loadGen,
    interactive: !!(spec.recorded && spec.recorded.interactive === 'True'),
  };
  if (row.isArray) {
    row.tasks = (j.tasks || []).map((t) => ({
      index: t.index, state: t.state, started: firstStart(t), ended: ms(t.end), exitStatus: t.exitStatus,
    }));
    row.done = row.tasks.filter((t) => TERMINAL.has(t.state)).length;
    row.total = row.tasks.length;
    // an array's tasks that never started come as one entry (docs/rest-api.md): a row each while they are
    // few, else one row for all of them
    const u = j.unstarted;
    if (u && u.count) {
      const alike = u.count <= UNSTARTED_ROWS
        ? indicesOf(u.indices).map((index) => ({ index, state: u.state, started: 0 }))
        : [{ index: parseInt(u.indices, 10), indices: u.indices, count: u.count, state: u.state, started: 0,
          group: true }];
      row.tasks = row.tasks.concat(alike).sort((a, b) => a.index - b.index);
      row.total += u.count;
      if (TERMINAL.has(u.state)) row.done += u.count;
    }
  }
  return row;
}

/** Unstarted tasks shown a row each up to this many; more are one row. */
const UNSTARTED_ROWS = 1000;

/** The indices of a text form such as 1-99:2,200,300-400. */
function indicesOf(text) {
  const out = [];
  for (const run of text.split(',')) {
    const [range, step] = run.split(':');
    const [a, z] = range.split('-').map((v) => parseInt(v, 10));
    for (let i = a; i <= (Number.isNaN(z) || z === undefined ? a : z); i += step ? parseInt(step, 10) : 1) {
      out.push(i);
    }
  }
  return out;
}

function noteEnds(j) {
  for (const t of j.tasks || []) {
    if ((t.state === 'COMPLETED' || t.state === 'FAILED') && ms(t.end)) {
      ui.ends.set(`${j.number}:${t.index}`, ms(t.end));
    }
  }
}

/** A job from a page or an event; an older version never replaces a newer one. */
function upsert(j) {
  const old = ui.jobs.get(j.number);
  if (old && old.version > (j.version || 0)) {
    old.gen = ui.loadGen;
    return;
  }
  ui.jobs.set(j.number, toRow(j));
  noteEnds(j);
  if (j.state === 'RUNNING' || (old && old.state === 'RUNNING')) {
    // the cores a start or an end takes or frees: the head does not send node events for those yet
    refreshNodesSoon();
  }
  if (ui.selected === j.number) {
    mergeDetail(j);
  }
  scheduleView();
}

async function reloadAll() {
  const gen = ++ui.loadGen;
  ui.loading = true;
  renderCount();
  refreshClusterAndNodes();
  refreshAlerts();
  try {
    const fetchPage = (after) => api('GET', `/api/v1/jobs?limit=${PAGE_SIZE}&after=${after}`
      + `${ui.history ? '&history=true' : ''}`);
    let page = await fetchPage(0);
    for (;;) {
      if (gen !== ui.loadGen) return;
      // ask for the next page first, then take this one in while the head prepares it
      const next = page.next ? fetchPage(page.next) : null;
      for (const j of page.jobs) upsert(j);
      scheduleView(true);
      if (!next) break;
      page = await next;
    }
    // what neither a page nor an event of this load brought has left the live list
    for (const [n, r] of ui.jobs) {
      if (r.gen < gen) ui.jobs.delete(n);
    }
    scheduleView(true);
  } catch (e) {
    console.warn('loading jobs failed', e);
  } finally {
    if (gen === ui.loadGen) {
      ui.loading = false;
      renderCount();
    }
  }
}

// ------------------------------------------------------------------ the table

function matches(r) {
  const f = ui.filter;
  // a user is a whole name ("a" matched alice, carol and dave); the search is a part of an id or a name
  if (f.user && r.owner !== f.user) return false;
  if (ui.mine && ui.me && r.owner !== ui.me.user) return false;
  if (f.text) {
    const t = f.text.toLowerCase();
    if (!r.id.toLowerCase().includes(t) && !r.name.toLowerCase().includes(t)) return false;
  }
  if (f.queue && !r.queue.includes(f.queue)) return false;
  if (f.state === 'active') return !TERMINAL.has(r.state);
  if (f.state) return r.state === f.state;
  return true;
}

const elapsedOf = (s) => (s.started ? (s.ended || Date.now()) - s.started : -1);
const SORT_KEYS = {
  number: (r) => r.number,
  name: (r) => r.name.toLowerCase(),
  owner: (r) => r.owner,
  state: (r) => STATE_ORDER[r.state] ?? 9,
  queue: (r) => r.queue,
  size: (r) => r.nodes * r.cores,
  submitted: (r) => r.submitted,
  started: (r) => r.started,
  elapsed: elapsedOf,
};

function buildView() {
  ui.viewDirty = false;
  const key = SORT_KEYS[ui.sort.key] || SORT_KEYS.number;
  const dir = ui.sort.dir;
  const rows = [];
  for (const r of ui.jobs.values()) {
    if (matches(r)) rows.push(r);
  }
  rows.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x < y) return -dir;
    if (x > y) return dir;
    return (a.number - b.number) * dir;
  });
  ui.total = rows.length;
  const lastPage = Math.max(0, Math.ceil(rows.length / ui.rowsPerPage) - 1);
  // the page the user chose stays chosen (a new job does not move them); shown clamped while there are fewer
  ui.shownPage = Math.min(ui.page, lastPage);
  const onPage = rows.slice(ui.shownPage * ui.rowsPerPage, (ui.shownPage + 1) * ui.rowsPerPage);
  // a ticked job stays ticked through live updates while it is listed and may still be changed; one that left
  // the filtered list, ended or went is dropped, so the selection never holds what the user cannot see
  if (ui.picked.size) {
    const listed = new Set(rows.map((r) => r.number));
    for (const n of [...ui.picked.keys()]) {
      const r = ui.jobs.get(n);
      if (!listed.has(n) || !r || !pickable(r)) ui.picked.delete(n);
    }
  }
  ui.pageRows = onPage;
  const view = [];
  for (const r of onPage) {
    view.push({ r });
    if (r.isArray && ui.expanded.has(r.number)) {
      for (const t of r.tasks) view.push({ r, t });
    }
  }
  ui.view = view;
}

/** Whether the token's user may change a job: a user's token only that user's (operators and admins any). */
function mayChange(owner) {
  return !ui.me || ui.me.role !== 'user' || ui.me.user === owner;
}

/** A job a bulk action may take: not ended, and one the token may change (the head judges again). */
function pickable(r) {
  return !TERMINAL.has(r.state) && mayChange(r.owner);
}

/** Goes to a page (0 = the first); the rows shown come from the same sorted, filtered list. */
function goToPage(page, said) {
  const lastPage = Math.max(0, Math.ceil(ui.total / ui.rowsPerPage) - 1);
  ui.page = Math.max(0, Math.min(lastPage, page));
  $('queue').scrollTop = 0;
  buildView();
  renderQueue();
  updateAddress();
  if (said) announce($('page-status').textContent);
}

/** "rows 101–200 of 2,345": the status under the queue. */
function pageStatus() {
  if (!ui.total) return 'no rows';
  const from = ui.shownPage * ui.rowsPerPage + 1;
  const to = Math.min(ui.total, from + ui.rowsPerPage - 1);
  return `rows ${from.toLocaleString('en')}–${to.toLocaleString('en')} of ${ui.total.toLocaleString('en')}`;
}

function renderPager() {
  const lastPage = Math.max(0, Math.ceil(ui.total / ui.rowsPerPage) - 1);
  const status = pageStatus();
  if ($('page-status').textContent !== status) $('page-status').textContent = status;
  // aria-disabled, not disabled: a button pressed to its end keeps the keyboard's focus
  const set = (name, off) => document.querySelector(`[data-page="${name}"]`).setAttribute('aria-disabled', String(off));
  set('first', ui.shownPage === 0);
  set('prev', ui.shownPage === 0);
  set('next', ui.shownPage >= lastPage);
  set('last', ui.shownPage >= lastPage);
  $('page-size').value = String(ui.rowsPerPage);
}

/** The bulk bar: how many are ticked (and how many of those are on other pages), and the header's box. */
function renderBulk() {
  const n = ui.picked.size;
  const here = new Set((ui.pageRows || []).map((r) => r.number));
  const elsewhere = [...ui.picked.keys()].filter((k) => !here.has(k)).length;
  $('bulk-count').textContent = n ? `${n.toLocaleString('en')} selected${elsewhere ? ` (${elsewhere} on other pages)` : ''}`
    : 'no job selected';
  for (const b of document.querySelectorAll('[data-bulk]')) b.setAttribute('aria-disabled', String(!n || ui.bulkBusy));
  const box = $('pick-page');
  const mine = (ui.pageRows || []).filter(pickable);
  const ticked = mine.filter((r) => ui.picked.has(r.number)).length;
  box.disabled = !mine.length || ui.bulkBusy;
  box.checked = mine.length > 0 && ticked === mine.length;
  box.indeterminate = ticked > 0 && ticked < mine.length;
}

/** Rebuilds the list soon: at once when asked, else at most every VIEW_THROTTLE_MS under a burst. */
function scheduleView(now) {
  ui.viewDirty = true;
  if (now) {
    clearTimeout(ui.viewTimer);
    ui.viewTimer = 0;
    requestAnimationFrame(renderQueue);
  } else if (!ui.viewTimer) {
    ui.viewTimer = setTimeout(() => { ui.viewTimer = 0; renderQueue(); }, VIEW_THROTTLE_MS);
  }
}

function fmtTime(t) {
  if (!t) return '';
  const d = new Date(t);
  const now = new Date();
  const hms = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  if (d.toDateString() === now.toDateString()) return hms;
  return `${d.getMonth() + 1}/${d.getDate()} ${hms.slice(0, 5)}`;
}

function fmtDuration(msValue) {
  if (msValue < 0) return '';
  const s = Math.floor(msValue / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

const taskId = (r, index) => r.id.replace('[]', `[${index}]`);

/** What a state is called beside its letter: the three ends of C apart by word and mark, not by colour. */
function stateWord(state, l) {
  // on a phone only the mark shows (the word stays for screen readers): app.css
  const said = (mark, word) => `${mark ? `<span class="st-mark">${mark}</span> ` : ''}<span class="st-name">${word}</span>`;
  switch (state) {
    case 'COMPLETED': return said('✓', 'done');
    case 'FAILED': return said('✗', 'failed');
    case 'CANCELLED': return said('⊘', 'cancelled');
    case 'QUEUED': return said('', l === 'W' ? 'waiting' : 'queued');
    default: return said('', state.toLowerCase());
  }
}

function stateCell(id, state, notBefore) {
  const l = letter(state, notBefore);
  const extra = state === 'FAILED' ? ' failed' : state === 'CANCELLED' ? ' cancelled' : '';
  return `<span class="c-state" role="cell"><span class="st st-${l}${extra}" data-testid="job-state-${esc(id)}" `
    + `data-state="${esc(state)}" title="${esc(state.toLowerCase())}">${l}</span>`
    + `<span class="st-word" data-testid="job-state-word-${esc(id)}">${stateWord(state, l)}</span></span>`;
}

/** The key of a row of the view: a job's number, or number:index for a task. */
const entryKey = (entry) => (entry.t ? `${entry.r.number}:${entry.t.index}` : String(entry.r.number));

function rowHtml(entry) {
  const { r, t } = entry;
  const key = entryKey(entry);
  if (t && t.group) {
    const shown = t.indices.length > 40 ? `${t.indices.slice(0, 40)}…` : t.indices;
    const id = taskId(r, shown);
    return `<div class="row task" role="row" data-key="${key}" `
      + `data-testid="job-row-${esc(taskId(r, 'unstarted'))}" `
      + `data-number="${r.number}"><span class="c-id" role="cell" title="${esc(t.indices)}">${esc(id)}</span>`
      + `<span role="cell">${t.count.toLocaleString()} tasks not started</span>`
      + `<span role="cell">${esc(r.owner)}</span>${stateCell(taskId(r, 'unstarted'), t.state, r.notBefore)}`
      + `<span role="cell">${esc(r.queue)}</span><span role="cell">${r.nodes}×${r.cores}</span>`
      + '<span role="cell"></span><span role="cell"></span><span class="c-el" role="cell"></span></div>';
  }
  if (t) {
    const id = taskId(r, t.index);
    return `<div class="row task" role="row" data-key="${key}" `
      + `data-testid="job-row-${esc(id)}" data-number="${r.number}">`
      + `<span class="c-id" role="cell">${esc(id)}</span><span role="cell">${esc(r.name)}-${t.index}</span>`
      + `<span role="cell">${esc(r.owner)}</span>${stateCell(id, t.state, r.notBefore)}`
      + `<span role="cell">${esc(r.queue)}</span><span role="cell">${r.nodes}×${r.cores}</span>`
      + `<span role="cell"></span><span role="cell">${fmtTime(t.started)}</span>`
      + '<span class="c-el" role="cell"></span></div>';
  }
  const selected = ui.selected === r.number ? ' selected' : '';
  const open = ui.expanded.has(r.number);
  // a box only where an action could apply; another user's job says why it cannot be ticked
  // (a label of its own, not aria-label: every input of the page has one, and it widens what a click hits)
  const may = mayChange(r.owner);
  const pick = TERMINAL.has(r.state) ? '<span class="pick-none"></span>'
    : `<label class="pick-box"${may ? '' : ` title="only ${esc(r.owner)}, an operator or an admin may change it"`}>`
      + `<input type="checkbox" class="pick" data-pick="${r.number}" data-testid="pick-${esc(r.id)}"`
      + `${ui.picked.has(r.number) ? ' checked' : ''}${!may || ui.bulkBusy ? ' disabled' : ''}>`
      + `<span class="sr-only">${may ? `select ${esc(r.id)}${r.name ? ` ${esc(r.name)}` : ''}`
        : `${esc(r.id)}: only ${esc(r.owner)}, an operator or an admin may change it`}</span></label>`;
  // the fold is a button of its own, in the Tab order only in the row that has it
  const toggle = r.isArray
    ? `<button type="button" class="toggle" data-toggle="${r.number}" data-testid="expand-${esc(r.id)}" `
      + `aria-expanded="${open}" `
      + `aria-label="${open ? 'hide' : 'show'} the tasks of ${esc(r.id)}">${open ? '▾' : '▸'}</button>`
    : '';
  const summary = r.isArray ? `<span class="summary" data-testid="array-summary-${esc(r.id)}">${arraySummary(r)}</span>`
    : '';
  // aria-expanded is the fold button's: ARIA allows it on rows of a treegrid only, not of a table (axe-core)
  return `<div class="row${selected}" role="row" data-key="${key}" `
    + `data-testid="job-row-${esc(r.id)}" data-number="${r.number}">`
    + `<span class="c-id" role="cell">${pick}${toggle}${esc(r.id)}</span>`
    + `<span class="c-name" role="cell" title="${esc(r.name)}${r.interactive ? ' (interactive: qsub -I)' : ''}">`
    + `${esc(r.name)}${r.interactive ? ` <span class="muted" data-testid="interactive-${esc(r.id)}">interactive</span>`
      : ''}${summary}</span>`
    + `<span role="cell">${esc(r.owner)}</span>${stateCell(r.id, r.state, r.notBefore)}`
    + `<span role="cell">${esc(r.queue)}</span><span role="cell">${r.nodes}×${r.cores}</span>`
    + `<span role="cell">${fmtTime(r.submitted)}</span><span role="cell">${fmtTime(r.started)}</span>`
    + '<span class="c-el" role="cell"></span></div>';
}

/** "7/10 done, 2 failed": an array's failures are not hidden behind its count of ended tasks. */
function arraySummary(r) {
  const failed = r.tasks.filter((t) => t.state === 'FAILED').length;
  const cancelled = r.tasks.filter((t) => t.state === 'CANCELLED').reduce((n, t) => n + (t.count || 1), 0);
  return `${r.done}/${r.total} done${failed ? `, <span class="bad">${failed} failed</span>` : ''}`
    + `${cancelled ? `, ${cancelled} cancelled` : ''}`;
}

let renderedRows = new Map(); // row key -> {el, html}: a row whose content did not change keeps its element
const rowTemplate = document.createElement('template');

/**
 * Renders only the rows in sight (plus a few): the DOM stays small with any number of jobs. A row
 * is rebuilt only when what it shows changed; the elapsed times are written in place every second.
 */
function renderRows() {
  const box = $('queue');
  const win = $('queue-window');
  const headH = box.querySelector('.qhead').offsetHeight;
  const top = Math.max(0, box.scrollTop - headH);
  const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
  const last = Math.min(ui.view.length, Math.ceil((top + box.clientHeight) / ROW_H) + OVERSCAN);
  const kept = new Map();
  const elements = [];
  // one row of those in the page takes Tab (the one last focused, else the first in sight): arrows move
  // from there. Set in place, so that moving it rebuilds no row and keeps the focus where it is.
  let stop = first < last ? entryKey(ui.view[first]) : null;
  for (let i = first; i < last; i++) if (entryKey(ui.view[i]) === ui.focusKey) stop = ui.focusKey;
  for (let i = first; i < last; i++) {
    const entry = ui.view[i];
    const key = entryKey(entry);
    const html = rowHtml(entry);
    let item = renderedRows.get(key);
    if (!item || item.html !== html) {
      rowTemplate.innerHTML = html;
      item = { el: rowTemplate.content.firstElementChild, html };
    }
    const tab = key === stop ? '0' : '-1';
    if (item.el.getAttribute('tabindex') !== tab) {
      item.el.setAttribute('tabindex', tab);
      for (const part of item.el.querySelectorAll('.toggle, .pick')) part.setAttribute('tabindex', tab);
    }
    const elapsed = fmtDuration(elapsedOf(entry.t || entry.r));
    const cell = item.el.lastElementChild;
    if (cell.textContent !== elapsed) cell.textContent = elapsed;
    kept.set(key, item);
    elements.push(item.el);
  }
  renderedRows = kept;
  win.style.transform = `translateY(${first * ROW_H}px)`;
  const current = win.children;
  let same = current.length === elements.length;
  for (let i = 0; same && i < elements.length; i++) same = current[i] === elements[i];
  if (!same) {
    // a focused row that was re-rendered (its state changed, its array unfolded) keeps the keyboard's place
    const active = document.activeElement;
    const hadFocus = win.contains(active);
    const part = !hadFocus ? null : active.classList.contains('toggle') ? '.toggle'
      : active.classList.contains('pick') ? '.pick' : null;
    win.replaceChildren(...elements);
    if (hadFocus && !win.contains(document.activeElement)) {
      const again = win.querySelector(`[data-key="${ui.focusKey}"]`);
      const target = again && part ? again.querySelector(part) || again : again;
      if (target) target.focus({ preventScroll: true });
    }
  }
}

/** Reads --row-h of the queue as the layout now has it; true when it changed (a table became cards). */
function measureRowHeight() {
  const h = parseFloat(getComputedStyle($('queue')).getPropertyValue('--row-h'));
  if (!(h > 0) || h === ROW_H) return false;
  ROW_H = h;
  return true;
}

/** Moves the keyboard to a row of the view, scrolling it into sight; onFold: to its fold button. */
function focusRow(key, onFold) {
  const i = ui.view.findIndex((e) => entryKey(e) === key);
  if (i < 0) return;
  ui.focusKey = key;
  const box = $('queue');
  const headH = box.querySelector('.qhead').offsetHeight;
  if (i * ROW_H < box.scrollTop) box.scrollTop = i * ROW_H;
  else if (headH + (i + 1) * ROW_H > box.scrollTop + box.clientHeight) {
    box.scrollTop = headH + (i + 1) * ROW_H - box.clientHeight;
  }
  renderRows();
  const el = $('queue-window').querySelector(`[data-key="${key}"]`);
  const target = el && onFold ? el.querySelector('.toggle') || el : el;
  if (target) target.focus({ preventScroll: true });
}

function toggleArray(number) {
  if (ui.expanded.has(number)) ui.expanded.delete(number); else ui.expanded.add(number);
  scheduleView(true);
}

/** The queue as a keyboard user drives it: arrows, Page Up/Down, Home/End, Enter or Space to open. */
function onQueueKey(e) {
  const row = e.target.closest('.row');
  if (!row) return;
  const i = ui.view.findIndex((en) => entryKey(en) === row.dataset.key);
  const entry = ui.view[i];
  if (!entry) return;
  const page = Math.max(1, Math.floor($('queue').clientHeight / ROW_H) - 2);
  let to;
  switch (e.key) {
    case 'ArrowDown': to = i + 1; break;
    case 'ArrowUp': to = i - 1; break;
    case 'PageDown': to = i + page; break;
    case 'PageUp': to = i - page; break;
    case 'Home': to = 0; break;
    case 'End': to = ui.view.length - 1; break;
    case 'Enter':
    case ' ':
      if (e.target !== row) return; // the fold button acts by itself
      e.preventDefault();
      openDetail(Number(row.dataset.number));
      return;
    case 'ArrowRight':
    case 'ArrowLeft':
      if (!entry.t && entry.r.isArray && (e.key === 'ArrowRight') !== ui.expanded.has(entry.r.number)) {
        e.preventDefault();
        toggleArray(entry.r.number);
      } else if (entry.t && e.key === 'ArrowLeft') {
        e.preventDefault();
        focusRow(String(entry.r.number));
      }
      return;
    default:
      return;
  }
  e.preventDefault();
  to = Math.max(0, Math.min(ui.view.length - 1, to));
  focusRow(entryKey(ui.view[to]));
}

function renderQueue() {
  if (ui.viewDirty) buildView();
  $('queue-spacer').style.height = `${ui.view.length * ROW_H}px`;
  $('queue-empty').hidden = ui.view.length > 0;
  $('queue-empty').textContent = signedIn() ? 'no jobs' : 'a token is needed to see the jobs';
  for (const h of document.querySelectorAll('.qhead [data-sort]')) {
    const cell = h.parentElement; // aria-sort belongs to the column header, the button inside sorts
    if (h.dataset.sort === ui.sort.key) cell.setAttribute('aria-sort', ui.sort.dir > 0 ? 'ascending' : 'descending');
    else cell.removeAttribute('aria-sort');
  }
  renderRows();
  renderCount();
  renderPager();
  renderBulk();
  renderThroughput();
}

function renderCount() {
  // the jobs that pass the filters, on all pages (the status under the queue says which rows are on this one)
  const shown = ui.total;
  const text = !signedIn() ? ''
    : `${shown.toLocaleString()} shown of ${ui.jobs.size.toLocaleString()} jobs${ui.loading ? ', loading…' : ''}`;
  $('queue-count').textContent = text;
}

// ------------------------------------------------------------------ the detail panel

function mergeDetail(j) {
  if (!ui.detail || ui.detail.number !== j.number) return;
  if ((j.version || 0) < (ui.detail.version || 0)) return;
  const script = ui.detail.spec && ui.detail.spec.script;
  const environment = ui.detail.spec && ui.detail.spec.environment;
  ui.detail = j;
  if (ui.detail.spec && ui.detail.spec.script === undefined) {
    ui.detail.spec.script = script;
    ui.detail.spec.environment = environment;
  }
  renderDetail();
}

async function openDetail(number) {
  const r = ui.jobs.get(number);
  if (!r) return;
  const wasOpen = !$('detail').hidden;
  // where focus goes back to when the dialog closes (a row is found again by its key: it may re-render)
  if (!wasOpen) ui.returnFocus = document.activeElement && document.activeElement.dataset
    && document.activeElement.dataset.key ? { key: document.activeElement.dataset.key } : document.activeElement;
  ui.selected = number;
  ui.detail = null;
  stopOutput();
  showMessage('');
  $('detail').hidden = false;
  $('detail-id').textContent = r.id;
  $('detail-body').innerHTML = '<p class="muted">loading…</p>';
  $('detail-close').focus();
  renderRows();
  updateAddress();
  try {
    const j = await api('GET', jobPath(r.id));
    if (ui.selected !== number) return;
    ui.detail = j;
    renderDetail();
  } catch (e) {
    if (ui.selected === number) showMessage(e.message);
  }
}

function closeDetail() {
  if ($('detail').hidden) return;
  ui.selected = null;
  ui.detail = null;
  stopOutput();
  const inside = $('detail').contains(document.activeElement);
  $('detail').hidden = true;
  renderRows();
  updateAddress();
  const back = ui.returnFocus;
  ui.returnFocus = null;
  if (!inside && document.activeElement !== document.body) return; // the user has moved on meanwhile
  if (back && back.key) focusRow(back.key);
  else if (back && back.isConnected && back.focus) back.focus();
}

/** Tab and Shift+Tab stay inside the open dialog (aria-modal): they wrap from the last control to the first. */
function trapFocus(e) {
  const box = $('detail');
  if (e.key !== 'Tab' || box.hidden) return;
  const focusable = [...box.querySelectorAll('button, [href], input, select, textarea, pre, [tabindex]')]
    .filter((el) => !el.disabled && el.tabIndex >= 0 && el.offsetParent !== null);
  if (!focusable.length) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!box.contains(document.activeElement)) {
    e.preventDefault();
    first.focus();
  } else if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

function fmtBytes(b) {
  if (!b) return 'no limit';
  const units = ['b', 'kb', 'mb', 'gb', 'tb'];
  let i = 0;
  let v = b;
  while (v >= 1024 && i < units.length - 1 && v % 1024 === 0) { v /= 1024; i++; }
  return `${v}${units[i]}`;
}

function kv(pairs) {
  return `<dl class="kv">${pairs.filter((p) => p[1] !== '' && p[1] !== undefined && p[1] !== null)
    .map(([k, v, testid]) => `<dt>${esc(k)}</dt><dd${testid ? ` data-testid="${testid}"` : ''}>${esc(v)}</dd>`)
    .join('')}</dl>`;
}

function renderDetail() {
  const j = ui.detail;
  if (!j) return;
  const spec = j.spec || {};
  const res = spec.resources || {};
  const l = letter(j.state, ms(spec.notBefore));
  $('detail-id').textContent = j.id;
  const pill = $('detail-state');
  pill.textContent = `${l} · ${j.state.toLowerCase()}`;
  pill.dataset.state = j.state;
  pill.dataset.letter = l;
  const terminal = TERMINAL.has(j.state);
  // a user's token changes only that user's jobs (operators and admins any): no button that can only be refused
  const may = mayChange(spec.owner);
  $('cancel-button').disabled = terminal || !may;
  $('hold-button').disabled = j.state !== 'QUEUED' || !may;
  $('release-button').disabled = j.state !== 'HELD' || !may;
  for (const b of document.querySelectorAll('.actions button')) {
    b.title = may ? '' : `only ${spec.owner}, an operator or an admin may change this job`;
  }

  const waiting = (j.tasks || []).concat(j.unstarted ? [j.unstarted] : [])
    .filter((t) => t.comment && !TERMINAL.has(t.state) && t.state !== 'RUNNING');
  // one line per reason, with how many tasks it holds back, not one line per task
  const reasons = new Map();
  for (const t of waiting) reasons.set(t.comment, (reasons.get(t.comment) || 0) + (t.count || 1));
  const comment = waiting.length
    ? `<h3>Why it waits</h3><div class="comment" data-testid="detail-comment">${[...reasons]
      .map(([c, n]) => (reasons.size > 1 || n > 1 ? `${esc(c)} <span class="muted">(${n} task${n > 1 ? 's' : ''})</span>`
        : esc(c))).join('<br>')}</div>` : '';
  const deps = (spec.dependencies || []).map((d) => `${d.type.toLowerCase()}:${d.jobs.join(':')}`).join(',');
  const specHtml = kv([
    ['name', spec.name], ['owner', spec.owner], ['queue', spec.queue],
    ['resources', `${res.nodes} node(s) × ${res.coresPerNode} core(s)`, 'detail-resources'],
    ['memory per node', fmtBytes(res.memoryPerNode)],
    ['walltime', res.walltimeSeconds ? fmtDuration(res.walltimeSeconds * 1000) : 'no limit'],
    ['priority', spec.priority, 'detail-priority'], ['rerunnable', spec.rerunnable ? 'yes' : 'no'],
    ['array', spec.array ? spec.array.expression : ''], ['depends on', deps],
    ['interactive', spec.recorded && spec.recorded.interactive === 'True'
      ? 'yes: a shell opened with qsub -I, relayed by the head' : '', 'detail-interactive'],
    ['container image', spec.recorded && spec.recorded.container, 'detail-container'],
    ['submitted', j.submitted && ms(j.submitted) ? new Date(ms(j.submitted)).toLocaleString() : ''],
    // another user's job comes without where it was submitted from (docs/rest-api.md): nothing to show
    ['from', spec.submitDir ? `${spec.submitHost || ''}:${spec.submitDir}` : ''], ['work dir', spec.workDir],
    ['stdout', spec.stdoutPath, 'detail-stdout'], ['stderr', spec.stderrPath], ['join', spec.join],
    ['cancelled by', j.cancelledBy], ['end reason', j.reason !== 'NONE' ? j.reason.toLowerCase() : ''],
    ['exit status', terminal ? j.exitStatus : ''],
  ]);
  const rows = [];
  for (const t of j.tasks || []) {
    const name = t.index >= 0 ? `[${t.index}]` : '';
    if (!t.attempts || !t.attempts.length) {
      rows.push(`<tr><td>${esc(name)}</td><td colspan="6" class="muted">${esc(t.state.toLowerCase())}, not started</td></tr>`);
    }
    (t.attempts || []).forEach((a, k) => {
      const nodes = (a.nodes || []).map((s) => `${s.node}/${s.cores}`).join(' ');
      const open = !ms(a.end);
      rows.push(`<tr data-testid="attempt-${a.id}"><td title="attempt id ${a.id}">${esc(name)} #${k + 1}</td>`
        + `<td>${esc(nodes)}</td>`
        + `<td>${fmtTime(ms(a.start))}</td><td>${open ? '' : fmtTime(ms(a.end))}</td>`
        + `<td>${open ? 'running' : esc(a.outcome.toLowerCase())}</td>`
        + `<td>${open || a.reason === 'NONE' ? '' : esc(a.reason.toLowerCase())}</td>`
        + `<td>${open ? '' : a.exitStatus}</td></tr>`);
    });
  }
  if (j.unstarted && j.unstarted.count) {
    rows.push(`<tr data-testid="detail-unstarted"><td>[${esc(j.unstarted.indices)}]</td><td colspan="6" class="muted">`
      + `${j.unstarted.count.toLocaleString()} tasks ${esc(j.unstarted.state.toLowerCase())}, not started</td></tr>`);
  }
  const history = `<h3>History</h3><table class="hist" data-testid="detail-history"><thead><tr><th>attempt</th>`
    + '<th>nodes</th><th>start</th><th>end</th><th>outcome</th><th>reason</th><th>exit</th></tr></thead>'
    + `<tbody>${rows.join('')}</tbody></table>`;
  const script = spec.script ? `<h3>Script</h3><pre class="script" data-testid="detail-script">${esc(spec.script)}</pre>` : '';
  $('detail-body').innerHTML = `${comment}<h3>Spec</h3><div data-testid="detail-spec">${specHtml}</div>${history}${script}`;
  syncOutput();
}

// ------------------------------------------------------------------ live output (GET .../output)

// stream: what the detail shows; chosen: set by the user for this job, else the job's state picks it
const output = { key: '', timer: 0, busy: false, again: false, stream: 'stdout', chosen: null };

/** The task whose output the detail shows: the one running, else the last that started. */
function outputTask(j) {
  const started = (j.tasks || []).filter((t) => t.attempts && t.attempts.length);
  if (!started.length) return null;
  return started.find((t) => t.state === 'RUNNING') || started[started.length - 1];
}

function stopOutput() {
  clearInterval(output.timer);
  output.timer = 0;
  output.key = '';
  $('detail-output-box').hidden = true;
  $('detail-output').textContent = '';
  $('detail-output').dataset.state = '';
  $('detail-output-info').textContent = '';
}

/** Shows the tail of stdout once the job has started; reads it every OUTPUT_EVERY_MS while it runs. */
function syncOutput() {
  const j = ui.detail;
  const task = j ? outputTask(j) : null;
  if (!task) {
    stopOutput();
    return;
  }
  $('detail-output-box').hidden = false;
  // a failed task's reason is usually on its standard error: shown first, unless the user chose
  const stream = output.chosen && output.chosen.number === j.number ? output.chosen.stream
    : task.state === 'FAILED' ? 'stderr' : 'stdout';
  output.stream = stream;
  for (const b of document.querySelectorAll('.streams button')) {
    b.setAttribute('aria-pressed', String(b.dataset.stream === stream));
  }
  const key = `${j.number}:${task.index}:${task.attempts.length}:${stream}`;
  if (output.key !== key) {
    output.key = key;
    $('detail-output').textContent = '';
    readOutput();
  }
  const running = task.state === 'RUNNING';
  if (running && !output.timer) {
    output.timer = setInterval(readOutput, OUTPUT_EVERY_MS);
  } else if (!running && output.timer) {
    clearInterval(output.timer);
    output.timer = 0;
    readOutput(); // what it wrote last
  }
}

function fmtSize(b) {
  if (b < 1024) return `${b} bytes`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${(b / 1024 / 1024).toFixed(1)} MiB`;
}

async function readOutput() {
  const j = ui.detail;
  const task = j ? outputTask(j) : null;
  if (!task) return;
  if (output.busy) {
    output.again = true; // once this read is back
    return;
  }
  const key = output.key;
  const query = `?stream=${output.stream}&offset=-${OUTPUT_TAIL_BYTES}&limit=${OUTPUT_TAIL_BYTES}`
    + `${task.index >= 0 ? `&task=${task.index}` : ''}`;
  const pre = $('detail-output');
  const info = $('detail-output-info');
  output.busy = true;
  try {
    const o = await api('GET', `${jobPath(j.id)}/output${query}`);
    if (output.key !== key) return;
    // a tail that starts inside a line starts at the next line
    const text = o.offset > 0 && o.data.includes('\n') ? o.data.slice(o.data.indexOf('\n') + 1) : o.data;
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    if (pre.textContent !== text) pre.textContent = text;
    if (atEnd) pre.scrollTop = pre.scrollHeight;
    pre.dataset.state = o.running ? 'running' : 'ended';
    info.classList.remove('bad');
    info.textContent = `${o.task} ${output.stream}, ${o.offset > 0 ? 'the end of ' : ''}${fmtSize(o.size)} on ${o.node}`
      + `${o.running ? ', live' : ''}`;
    info.title = `${o.node}:${o.path}`;
  } catch (e) {
    if (output.key !== key) return;
    pre.dataset.state = 'error';
    info.classList.add('bad');
    info.textContent = e.message;
  } finally {
    output.busy = false;
    if (output.again) {
      output.again = false;
      readOutput();
    }
  }
}

function showMessage(text, ok) {
  const box = $('action-error');
  box.hidden = !text;
  box.textContent = text;
  box.classList.toggle('info', !!ok);
}

async function act(action) {
  const j = ui.detail;
  if (!j) return;
  if (!token()) {
    showMessage('Paste your token in the "token" box at the top first: the head checks who may change a job.');
    $('token').focus();
    return;
  }
  // a cancel cannot be undone: asked first (hold and release can be)
  if (action === 'cancel' && !window.confirm(`Cancel ${j.id}${j.spec && j.spec.name ? ` (${j.spec.name})` : ''}? `
    + 'Its running tasks are killed; this cannot be undone.')) return;
  showMessage('');
  for (const b of document.querySelectorAll('.actions button')) b.disabled = true;
  try {
    const changed = await api('POST', `${jobPath(j.id)}/${action}`);
    upsert(changed);
    mergeDetail(changed);
    showMessage(`${action} of ${j.id}: done`, true);
  } catch (e) {
    showMessage(`${action} of ${j.id} refused: ${e.message}`);
  } finally {
    renderDetail();
  }
}

// ------------------------------------------------------------------ bulk actions on the ticked jobs

const BULK = {
  cancel: { verb: 'Cancel', done: 'cancelled', ing: 'cancelling', fits: (r) => !TERMINAL.has(r.state), unfit: 'ended',
    effect: 'Their running tasks are killed; this cannot be undone.' },
  hold: { verb: 'Hold', done: 'held', ing: 'holding', fits: (r) => r.state === 'QUEUED', unfit: 'not queued',
    effect: 'They stay in the queue and do not start until released.' },
  release: { verb: 'Release', done: 'released', ing: 'releasing', fits: (r) => r.state === 'HELD', unfit: 'not held',
    effect: 'They go back to the queue and may start.' },
};

const idList = (rows) => (rows.length <= BULK_NAMED ? rows.map((r) => r.id).join(', ')
  : `${rows.slice(0, BULK_NAMED - 2).map((r) => r.id).join(', ')} and ${rows.length - (BULK_NAMED - 2)} more`);

function showBulk(text, bad) {
  const box = $('bulk-result');
  box.textContent = text;
  box.classList.toggle('bad', !!bad);
}

/**
 * One action on every ticked job it fits, after one question that says how many, which and what happens.
 * Each job is its own request to the route the detail's buttons use: the head judges each, and the result
 * names every refusal. What was done leaves the selection; what was refused stays ticked, in sight.
 */
async function bulkAct(action) {
  const what = BULK[action];
  if (ui.bulkBusy || !ui.picked.size || !what) return;
  if (!token()) {
    showBulk('Paste your token in the "token" box at the top first: the head checks who may change a job.', true);
    return;
  }
  const picked = [...ui.picked.keys()].map((n) => ui.jobs.get(n)).filter(Boolean);
  const fit = picked.filter(what.fits);
  const unfit = picked.filter((r) => !what.fits(r));
  if (!fit.length) {
    showBulk(`Nothing to ${action}: the ${picked.length === 1 ? 'selected job is' : `${picked.length} selected jobs are`} `
      + `${what.unfit} (${idList(unfit)}).`, true);
    return;
  }
  const plural = fit.length === 1 ? 'job' : 'jobs';
  if (!window.confirm(`${what.verb} ${fit.length} ${plural}: ${idList(fit)}? ${what.effect}`
    + `${unfit.length ? ` ${unfit.length} selected ${unfit.length === 1 ? 'job is' : 'jobs are'} ${what.unfit} and `
      + 'left as they are.' : ''}`)) return;
  ui.bulkBusy = true;
  showBulk(`${what.ing} ${fit.length} ${plural}…`);
  renderRows();
  renderBulk();
  const done = [];
  const refused = [];
  let next = 0;
  const worker = async () => {
    while (next < fit.length) {
      const r = fit[next++];
      try {
        upsert(await api('POST', `${jobPath(r.id)}/${action}`));
        done.push(r);
      } catch (e) {
        refused.push({ r, message: e.message });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(BULK_PARALLEL, fit.length) }, worker));
  } finally {
    ui.bulkBusy = false;
    for (const r of done) ui.picked.delete(r.number);
    const parts = [`${done.length} ${what.done}`];
    if (refused.length) {
      parts.push(`${refused.length} refused: ${refused.map((x) => `${x.r.id}: ${x.message}`).join('; ')}`);
    }
    if (unfit.length) parts.push(`${unfit.length} left as ${unfit.length === 1 ? 'it was' : 'they were'} (${what.unfit})`);
    showBulk(`${what.verb}: ${parts.join(', ')}${refused.length ? '. The refused jobs stay selected.' : '.'}`,
      refused.length > 0);
    // the count with the result line, not a moment later with the next view
    renderBulk();
    scheduleView(true);
  }
}

// ------------------------------------------------------------------ nodes, cluster, heads

let nodesTimer = 0;
function scheduleNodes() {
  if (!nodesTimer) nodesTimer = setTimeout(() => { nodesTimer = 0; renderNodes(); }, 100);
}

function renderNodes() {
  const grid = $('node-grid');
  const nodes = [...ui.nodes.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  grid.classList.toggle('compact', nodes.length > 400);
  if (!nodes.length) {
    grid.innerHTML = `<div class="empty muted" data-testid="nodes-empty">${signedIn()
      ? 'no worker has registered yet' : 'a token is needed to see the nodes'}</div>`;
  } else {
    grid.innerHTML = nodes.map((n) => {
      const st = String(n.state).toLowerCase();
      const pct = n.cores ? Math.round((100 * n.coresUsed) / n.cores) : 0;
      const load = n.health && st !== 'down' ? Number(n.health.loadAverage).toFixed(2) : '–';
      const tasks = n.tasks || [];
      const title = `${n.name}: ${n.pbsState}${n.reason ? ` (${n.reason})` : ''}, ${n.coresUsed}/${n.cores} cores, `
        + `load ${load}${tasks.length ? `, running ${tasks.join(' ')}` : ''}`;
      return `<div class="node" data-testid="node-${esc(n.name)}" data-state="${esc(st)}" title="${esc(title)}">`
        + `<div class="nname"><span>${esc(n.name)}</span> <span>${esc(n.pbsState)}</span></div>`
        + `<div class="nbar"><div style="width:${pct}%"></div></div>`
        + `<div data-testid="node-cores-${esc(n.name)}">${n.coresUsed}/${n.cores} cores · load ${esc(load)}</div>`
        + `<div class="ntasks" data-testid="node-tasks-${esc(n.name)}">${
          tasks.length ? esc(tasks.join(' ')) : (n.reason ? esc(n.reason) : 'idle')}</div>${nodeActions(n, st)}</div>`;
    }).join('');
  }
  const counts = {};
  for (const n of nodes) counts[n.pbsState] = (counts[n.pbsState] || 0) + 1;
  $('nodes-summary').textContent = Object.entries(counts).map(([s, c]) => `${c} ${s}`).join(', ');
}

/** What an operator may do to a node from its tile: the same routes and permissions as pbsnodes -o, -c. */
const NODE_ACTIONS = {
  offline: { label: 'offline', ask: (n) => `Take ${n} offline? Running work goes on; nothing new starts there.` },
  drain: { label: 'drain', ask: (n) => `Drain ${n}? Running work finishes; nothing new starts there.` },
  clear: { label: 'back in service', ask: null },
};

function nodeActions(n, st) {
  if (!ui.me || ui.me.role === 'user' || st === 'down') return '';
  const ops = st === 'offline' || st === 'draining' ? ['clear'] : ['drain', 'offline'];
  return `<div class="nactions">${ops.map((op) => `<button type="button" data-node="${esc(n.name)}" data-op="${op}" `
    + `data-testid="node-${op}-${esc(n.name)}" aria-label="${esc(NODE_ACTIONS[op].label)} ${esc(n.name)}">`
    + `${esc(NODE_ACTIONS[op].label)}</button>`).join('')}</div>`;
}

async function nodeAction(name, op) {
  const ask = NODE_ACTIONS[op].ask;
  if (ask && !window.confirm(ask(name))) return;
  const box = $('node-error');
  box.hidden = true;
  try {
    const n = await api('POST', `/api/v1/nodes/${encodeURIComponent(name)}/${op}`);
    if (n && n.name) ui.nodes.set(n.name, n);
    renderNodes();
    announce(`${name}: ${String(n && n.pbsState ? n.pbsState : op)}`);
  } catch (e) {
    box.hidden = false;
    box.textContent = `${op} of ${name} refused: ${e.message}`;
  }
}

/** The figures that change with jobs and nodes: from GET /api/v1/cluster and the stream's cluster events. */
function setFigures(c) {
  $('cluster-name').textContent = c.cluster;
  document.title = `hpc ${c.cluster}`;
  // the summary needs no token, the nodes and jobs do: without one the figures would contradict them
  if (!signedIn()) {
    showFigures(false);
    return;
  }
  const cores = c.cores || { total: 0, used: 0 };
  $('cores-busy').textContent = cores.used;
  $('cores-free').textContent = Math.max(0, cores.total - cores.used);
  if (c.workers) $('workers-up').textContent = `${c.workers.up}/${c.workers.total}`;
  const order = ['QUEUED', 'HELD', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];
  $('job-counts').innerHTML = order.map((s) => `<span data-testid="jobs-${s}">${esc(s.toLowerCase())}`
    + `<b>${(c.jobs && c.jobs[s]) || 0}</b></span>`).join('');
}

/** What a head's copies of the state mean for a takeover, as `hpc cluster status` says it (docs/failover.md). */
function copiesNote(h) {
  if (h.copies === 'SOLE') {
    return '<span class="copies" data-testid="head-copies">may hold the only copy of recent changes</span>';
  }
  if (h.copies === 'INCOMPLETE') {
    return '<span class="copies" data-testid="head-copies">still receiving its copy: does not take over yet</span>';
  }
  if (h.waitingFor) {
    return `<span class="copies" data-testid="head-copies" title="${esc(h.waitingFor)}">waits for the head `
      + 'that led last</span>';
  }
  return '';
}

/** GET /api/v1/cluster: the figures and the heads with their roles. */
function setCluster(c) {
  ui.cluster = c;
  setFigures(c);
  const heads = c.heads && c.heads.length ? c.heads : [c.head];
  const active = heads.find((h) => h.role === 'ACTIVE');
  const badge = $('active-head');
  badge.textContent = active ? `${active.name} (${active.address}), epoch ${active.epoch}` : 'none active';
  badge.dataset.name = active ? active.name : '';
  badge.dataset.epoch = active ? active.epoch : '';
  $('heads').innerHTML = heads.map((h) => `<li data-testid="head-${esc(h.name)}" data-role="${esc(h.role)}">`
    + `<b>${esc(h.name)}</b><span class="muted">${esc(h.address)}</span>`
    + `<span class="role ${esc(h.role)}">${esc(String(h.role).toLowerCase())}</span>`
    + `<span class="muted">epoch ${esc(h.epoch)}</span>${copiesNote(h)}`
    + `${h.name === c.head.name ? '<span class="here">this page</span>' : ''}</li>`).join('');
  for (const h of heads) rememberHead(reachable(h.address));
  // a standby sends API calls to the active head by a redirect this page cannot follow: go there
  if (c.head.role !== 'ACTIVE' && active && reachable(active.address) !== location.host) {
    goToHead([reachable(active.address)]);
  }
}

let nodesRefresh = 0;
let nodesAgain = false;
/** Reads the nodes soon, at most every NODES_REFRESH_MS, and once more after a burst. */
function refreshNodesSoon() {
  if (nodesRefresh) {
    nodesAgain = true;
    return;
  }
  nodesRefresh = setTimeout(async () => {
    try {
      const answer = await api('GET', '/api/v1/nodes');
      ui.nodes = new Map(answer.nodes.map((n) => [n.name, n]));
      scheduleNodes();
    } catch (e) {
      console.warn('reading the nodes failed', e);
    } finally {
      setTimeout(() => {
        nodesRefresh = 0;
        if (nodesAgain) {
          nodesAgain = false;
          refreshNodesSoon();
        }
      }, NODES_REFRESH_MS);
    }
  }, 150);
}

async function refreshClusterAndNodes() {
  try {
    setCluster(await api('GET', '/api/v1/cluster'));
    if (signedIn()) {
      const answer = await api('GET', '/api/v1/nodes');
      ui.nodes = new Map(answer.nodes.map((n) => [n.name, n]));
      renderNodes();
    }
  } catch (e) {
    console.warn('reading the cluster failed', e);
  }
  try {
    ui.queues = signedIn() ? (await api('GET', '/api/v1/queues')).queues : [];
  } catch (e) {
    console.warn('reading the queues failed', e);
  }
  try {
    ui.reservations = signedIn() ? (await api('GET', '/api/v1/reservations')).reservations : [];
  } catch (e) {
    console.warn('reading the reservations failed', e);
  }
  // the queues' buttons leave out the reservations' queues, and the reservations count their queues' jobs
  renderQueues();
  renderReservations();
  try {
    ui.samples = signedIn() ? await api('GET', '/api/v1/cluster/history') : null;
  } catch (e) {
    ui.samples = null; // a head of an older version has no history: the charts say so, the rest goes on
    console.warn('reading the cluster history failed', e);
  }
  renderHistory();
  renderThroughput();
  refreshUsage();
}

const USAGE_EVERY_MS = 5 * 60000;

/**
 * Core-hours by user over the last 24 h, from the head's durable store (GET /api/v1/report, as hpc report
 * reads it), so the figures survive a reload and a takeover. A user sees their own; an operator everyone's.
 * Asked at most every five minutes: the report decodes every job of the day and every job still waiting,
 * on the head, for each open page.
 */
async function refreshUsage() {
  if (!signedIn()) {
    ui.usage = null;
    ui.usageAt = 0;
    renderUsage();
    return;
  }
  if (Date.now() - (ui.usageAt || 0) < USAGE_EVERY_MS) return;
  ui.usageAt = Date.now();
  try {
    const start = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    ui.usage = await api('GET', `/api/v1/report?start=${encodeURIComponent(start)}`);
  } catch (e) {
    ui.usage = null; // a head of an older version, or a refusal: the card says so, the rest goes on
    console.warn('reading the usage report failed', e);
  }
  renderUsage();
}

function renderUsage() {
  const list = $('usage-users');
  const text = $('usage-text');
  const rows = ((ui.usage && ui.usage.users) || []).filter((r) => r.coreHours > 0 || r.jobs > 0 || r.submitted > 0)
    .sort((a, b) => b.coreHours - a.coreHours || a.name.localeCompare(b.name));
  if (rows.length === 0) {
    list.innerHTML = '';
    text.textContent = !signedIn() ? 'shown once a token is pasted'
      : ui.usage ? 'no job was submitted or ran in the last 24 h' : 'this head cannot report usage';
    return;
  }
  const shown = rows.slice(0, 10);
  const top = Math.max(0.0001, ...shown.map((r) => r.coreHours));
  const hours = (v) => (v >= 10 ? v.toFixed(0) : v >= 0.1 ? v.toFixed(1) : v.toFixed(3));
  list.innerHTML = shown.map((r) => `<li data-testid="usage-${esc(r.name)}">`
    + `<span class="uname" title="${esc(r.name)}">${esc(r.name)}</span>`
    + `<span class="ubar" aria-hidden="true"><div style="width:${((100 * r.coreHours) / top).toFixed(1)}%"></div></span>`
    + `<span>${hours(r.coreHours)} core-h, ${r.jobs} ended, ${r.submitted} submitted</span></li>`).join('');
  const total = rows.reduce((s, r) => s + r.coreHours, 0);
  text.textContent = `${rows.length} user${rows.length === 1 ? '' : 's'} used ${hours(total)} core-hours in the `
    + `last 24 h${rows.length > shown.length ? `; the ${shown.length} who used most are shown` : ''}.`;
}

// ------------------------------------------------------------------ alerts

const MAX_ALERTS = 20;

function addAlerts(list, live) {
  const known = new Set(ui.alerts.map((a) => a.id));
  const fresh = list.filter((a) => !known.has(a.id));
  for (const a of fresh) ui.alerts.push(a);
  if (live && fresh.length) {
    announce(fresh.map((a) => `Alert: ${a.kind.toLowerCase().replaceAll('_', ' ')} ${a.subject}. ${a.message}`)
      .join(' '));
  }
  ui.alerts.sort((a, b) => b.id - a.id);
  ui.alerts.length = Math.min(ui.alerts.length, MAX_ALERTS);
  $('alerts').innerHTML = ui.alerts.length ? ui.alerts.map((a) => `<li data-testid="alert-${a.id}" `
    + `title="${esc(`${a.time} ${a.kind} ${a.subject}: ${a.message}`)}"><span class="kind ${esc(a.kind)}">`
    + `${esc(a.kind.toLowerCase().replaceAll('_', ' '))}</span> ${esc(a.subject)} `
    + `<span class="muted">${fmtTime(ms(a.time))} ${esc(a.message)}</span></li>`).join('')
    : '<li class="muted">none</li>';
}

async function refreshAlerts() {
  try {
    const answer = await api('GET', `/api/v1/events/log?limit=${MAX_ALERTS}`);
    addAlerts(answer.events || []);
  } catch (e) {
    console.warn('reading the event log failed', e);
  }
}

// ------------------------------------------------------------------ throughput

/** The queues with their limits and job counts; a limit of 0 is none. Yes and no are words, not colours. */
function renderQueues() {
  const limit = (v, f) => (v > 0 ? f(v) : 'none');
  const yes = (b) => (b ? 'yes' : '<strong class="bad">no</strong>');
  const body = $('queues-body');
  const acting = mayChangeQueues();
  $('queues-actions-head').hidden = !acting;
  if (!signedIn() || ui.queues.length === 0) {
    const why = signedIn() ? 'no queue' : 'a token is needed to see the queues';
    body.innerHTML = `<tr><td colspan="${acting ? 14 : 13}" class="muted">${why}</td></tr>`;
    return;
  }
  body.innerHTML = ui.queues.map((q) => `<tr data-testid="queue-${esc(q.name)}">`
    + `<th scope="row">${esc(q.name)}${q.default ? ' <small class="muted">(default)</small>' : ''}</th>`
    + `<td data-testid="queue-enabled-${esc(q.name)}">${yes(q.enabled)}</td>`
    + `<td data-testid="queue-started-${esc(q.name)}">${yes(q.started)}</td>`
    + `<td>${q.priority}</td><td>${limit(q.maxWalltimeSeconds, (v) => fmtDuration(v * 1000))}</td>`
    + `<td>${limit(q.maxCoresPerJob, String)}</td><td>${limit(q.maxRunningPerUser, String)}</td>`
    + `<td>${q.nodes.length ? esc(q.nodes.join(', ')) : 'all'}</td>`
    + `<td>${q.jobs.queued}</td><td>${q.jobs.running}</td><td>${q.jobs.held}</td><td>${q.jobs.waiting}</td>`
    + `<td>${q.jobs.total}</td>${acting ? `<td>${queueActions(q)}</td>` : ''}</tr>`).join('');
}

/** Only an administrator may change a queue (qmgr): other tokens get no button the head would refuse. */
function mayChangeQueues() {
  return signedIn() && !!ui.me && ui.me.role === 'admin';
}

/**
 * What an administrator may do to a queue from its row, as qmgr's set queue enabled/started does. Taking
 * jobs and starting them are asked about when they stop: submissions are refused, or queued work waits.
 */
const QUEUE_ACTIONS = {
  disable: { set: { enabled: 'false' }, ask: (q) => `Disable queue ${q}? It accepts no new job until enabled `
    + 'again; the jobs already in it stay.' },
  enable: { set: { enabled: 'true' }, ask: null },
  stop: { set: { started: 'false' }, ask: (q) => `Stop queue ${q}? It still accepts jobs but starts none `
    + 'until started again; running jobs go on.' },
  start: { set: { started: 'true' }, ask: null },
};

function queueActions(q) {
  // a reservation's queue is the reservation's (pbs_rsub, pbs_rdel), not qmgr's
  if (ui.reservations.some((r) => r.queue === q.name)) return '';
  const ops = [q.enabled ? 'disable' : 'enable', q.started ? 'stop' : 'start'];
  return `<span class="qactions">${ops.map((op) => `<button type="button" data-queue="${esc(q.name)}" `
    + `data-op="${op}" data-testid="queue-${op}-${esc(q.name)}" aria-label="${op} queue ${esc(q.name)}">`
    + `${op}</button>`).join('')}</span>`;
}

async function queueAction(name, op) {
  const ask = QUEUE_ACTIONS[op].ask;
  if (ask && !window.confirm(ask(name))) return;
  const box = $('queue-error');
  box.hidden = true;
  for (const b of document.querySelectorAll('#queues-body button')) b.disabled = true;
  try {
    const answer = await api('POST', `/api/v1/queues/${encodeURIComponent(name)}`,
      { change: 'set', set: QUEUE_ACTIONS[op].set });
    if (answer && answer.queues) ui.queues = answer.queues;
    announce(`queue ${name}: ${op} done`);
  } catch (e) {
    box.hidden = false;
    box.textContent = `${op} of queue ${name} refused: ${e.message}`;
  }
  // read again either way: another administrator may have changed it meanwhile
  try {
    ui.queues = (await api('GET', '/api/v1/queues')).queues;
  } catch (e) {
    console.warn('reading the queues failed', e);
  }
  renderQueues();
}

/**
 * The advance reservations as pbs_rstat shows them: confirmed before the window, running in it (the head
 * drops a reservation when its window ends; one the page still holds past its end is shown as ended).
 */
function renderReservations() {
  const body = $('reservations-body');
  if (!signedIn() || ui.reservations.length === 0) {
    const why = signedIn() ? 'no reservation' : 'a token is needed to see the reservations';
    body.innerHTML = `<tr><td colspan="9" class="muted">${why}</td></tr>`;
    return;
  }
  const now = Date.now();
  const counts = new Map(ui.queues.map((q) => [q.name, q.jobs]));
  body.innerHTML = ui.reservations.map((r) => {
    const start = ms(r.start);
    const end = ms(r.end);
    const state = end <= now ? 'ended' : (start > now ? 'confirmed' : 'running');
    const jobs = counts.get(r.queue);
    const waiting = jobs ? jobs.queued + jobs.held + jobs.waiting : '–';
    const nodes = (r.nodes || []).length;
    return `<tr data-testid="reservation-${esc(r.queue)}">`
      + `<th scope="row">${r.name ? `${esc(r.name)} <small class="muted">${esc(r.id)}</small>` : esc(r.id)}</th>`
      + `<td>${esc(r.owner)}</td><td data-testid="reservation-state-${esc(r.queue)}">${state}</td>`
      + `<td>${fmtTime(start)}</td><td>${fmtTime(end)}</td><td>${fmtDuration(end - start)}</td>`
      + `<td title="${nodes} × ${r.coresPerNode} cores">${esc((r.nodes || []).join(', '))} `
      + `<small class="muted">×${r.coresPerNode}</small></td>`
      + `<td>${esc(r.queue)}</td><td data-testid="reservation-waiting-${esc(r.queue)}">${waiting}</td></tr>`;
  }).join('');
}

/**
 * The head's last minutes (GET /api/v1/cluster/history) as two small inline SVG charts: jobs running,
 * queued and held as lines told apart by their dash as well as their colour, and cores used against all.
 * Each chart is an image whose name says what it shows in words, and the line below it says the same.
 */
function renderHistory() {
  const samples = (ui.samples && ui.samples.samples) || [];
  const every = ((ui.samples && ui.samples.everySeconds) || 10) * 1000;
  const w = 300;
  const h = 70;
  const jobsText = $('history-jobs-text');
  const coresText = $('history-cores-text');
  if (samples.length === 0) {
    const why = !signedIn() ? 'shown once a token is pasted'
      : ui.samples ? 'no sample yet: the head takes one every 10 s' : 'this head keeps no history';
    $('history-jobs').innerHTML = '';
    $('history-cores').innerHTML = '';
    jobsText.textContent = why;
    coresText.textContent = '';
    return;
  }
  const times = samples.map((s) => ms(s.time));
  const end = times[times.length - 1];
  const span = Math.max(every, end - times[0]);
  const x = (t) => (w * (t - (end - span))) / span;
  const minutes = Math.max(1, Math.round(span / 60000));
  const series = [
    { cls: 'run', word: 'running', of: (s) => s.jobs.RUNNING || 0 },
    { cls: 'q', word: 'queued', of: (s) => s.jobs.QUEUED || 0 },
    { cls: 'h', word: 'held', of: (s) => s.jobs.HELD || 0 },
  ];
  const top = Math.max(1, ...samples.flatMap((s) => series.map((se) => se.of(s))));
  const y = (v, max) => (h - 2 - ((h - 4) * v) / max).toFixed(1);
  const line = (of, max) => samples
    .map((s, i) => `${i ? 'L' : 'M'}${x(times[i]).toFixed(1)},${y(of(s), max)}`).join('');
  const last = samples[samples.length - 1];
  const now = series.map((se) => `${se.of(last)} ${se.word}`).join(', ');
  const most = series.map((se) => `${Math.max(...samples.map(se.of))} ${se.word}`).join(', ');
  const jobsSummary = `Jobs over the last ${minutes} min: now ${now}; at most ${most}.`;
  $('history-jobs').innerHTML = `<svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img" `
    + `aria-label="${esc(jobsSummary)}" data-testid="history-jobs-chart" data-samples="${samples.length}">`
    + `<line class="axis" x1="0" y1="${h - 0.5}" x2="${w}" y2="${h - 0.5}"/>`
    + series.map((se) => `<path class="ln ln-${se.cls}" d="${line(se.of, top)}"/>`).join('')
    + `</svg><div class="tp-axis" aria-hidden="true"><span>-${minutes} min</span><span>max ${top}</span>`
    + '<span>now</span></div>';
  jobsText.textContent = jobsSummary;

  const total = Math.max(1, ...samples.map((s) => s.cores.total));
  const used = line((s) => s.cores.used, total);
  const area = `${used}L${x(end).toFixed(1)},${h - 2}L${x(times[0]).toFixed(1)},${h - 2}Z`;
  const coresSummary = `Cores over the last ${minutes} min: now ${last.cores.used} used and `
    + `${last.cores.total - last.cores.used} free of ${last.cores.total}; at most `
    + `${Math.max(...samples.map((s) => s.cores.used))} used.`;
  $('history-cores').innerHTML = `<svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img" `
    + `aria-label="${esc(coresSummary)}" data-testid="history-cores-chart" data-samples="${samples.length}">`
    + `<path class="ar-free" d="${line((s) => s.cores.total, total)}L${x(end).toFixed(1)},${h - 2}`
    + `L${x(times[0]).toFixed(1)},${h - 2}Z"/><path class="ar-used" d="${area}"/>`
    + `<line class="axis" x1="0" y1="${h - 0.5}" x2="${w}" y2="${h - 0.5}"/></svg>`
    + `<div class="tp-axis" aria-hidden="true"><span>-${minutes} min</span><span>${last.cores.total} cores</span>`
    + '<span>now</span></div>';
  coresText.textContent = coresSummary;
}

/**
 * Jobs ended (completed or failed) per minute over the last 30 minutes. Up to the head's last sample the
 * counts are the head's own (the differences of its samples' ended count, GET /api/v1/cluster/history), so a
 * reload keeps them; after it, the ends this page has seen, so a job that ends shows at once.
 */
function renderThroughput() {
  const now = Date.now();
  const MINUTES = 30;
  const buckets = new Array(MINUTES).fill(0);
  const minuteOf = (t) => MINUTES - 1 - Math.min(MINUTES - 1, Math.floor(Math.max(0, now - t) / 60000));
  const samples = ((ui.samples && ui.samples.samples) || []).filter((s) => typeof s.ended === 'number');
  let total = 0;
  for (let i = 1; i < samples.length; i++) {
    const t = ms(samples[i].time);
    const n = Math.max(0, samples[i].ended - samples[i - 1].ended);
    if (now - t <= MINUTES * 60000 && n > 0) {
      buckets[minuteOf(t)] += n;
      total += n;
    }
  }
  // the head's samples count what ended between the first and the last of them; this page's own, the rest
  const firstSample = samples.length > 1 ? ms(samples[0].time) : Infinity;
  const lastSample = samples.length > 1 ? ms(samples[samples.length - 1].time) : -Infinity;
  for (const [k, t] of ui.ends) {
    const age = now - t;
    if (age > HOUR_MS) { ui.ends.delete(k); continue; }
    if (age > MINUTES * 60000 || (t > firstSample && t <= lastSample)) continue;
    buckets[minuteOf(t)]++;
    total++;
  }
  const max = Math.max(1, ...buckets);
  const w = 600;
  const h = 60;
  const bw = w / MINUTES;
  const bars = buckets.map((v, i) => {
    const bh = Math.max(2, Math.round(((h - 4) * v) / max));
    return v ? `<rect class="bar" x="${(i * bw + 1).toFixed(1)}" y="${h - bh}" width="${(bw - 2).toFixed(1)}" `
      + `height="${bh}"><title>${v} in minute -${MINUTES - 1 - i}</title></rect>` : '';
  }).join('');
  const peak = Math.max(...buckets);
  const words = `${total} in the last ${MINUTES} min${peak ? `, peak ${peak}/min` : ''}`;
  $('throughput').innerHTML = `<div class="tp-total" data-testid="throughput-total">${!signedIn()
    ? 'shown once a token is pasted' : words}</div>`
    + `<svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img" aria-label="jobs ended per minute: `
    + `${esc(words)}" data-testid="throughput-chart"><line class="axis" x1="0" y1="${h - 0.5}" x2="${w}" `
    + `y2="${h - 0.5}"/>${bars}</svg><div class="tp-axis"><span>-${MINUTES} min</span><span>now</span></div>`;
}

// ------------------------------------------------------------------ the stream and the heads

function setConnection(state, text) {
  const c = $('connection');
  if (c.dataset.state === state && c.textContent === text) return; // a live region speaks each change once
  c.dataset.state = state;
  c.textContent = text;
}

/** Says a change out loud to a screen reader (a polite live region), once. */
function announce(text) {
  const box = $('announce');
  box.textContent = '';
  // a fresh text node in a later frame: the same message twice is spoken twice
  requestAnimationFrame(() => { box.textContent = text; });
}

/** A head's address as this browser can reach it (a head bound to 0.0.0.0 is at this page's host). */
function reachable(address) {
  if (!address) return '';
  return address.replace(/^(0\.0\.0\.0|\[::\]|::):/, `${location.hostname}:`);
}

function rememberHead(address) {
  if (address && !ui.heads.includes(address)) ui.heads.push(address);
}

function connect() {
  if (ui.stream) ui.stream.close();
  ui.stream = null;
  if (!token()) {
    showLogin('');
    return;
  }
  if (ui.refused) return;
  // EventSource cannot send headers: the head takes the token as a parameter on this route only
  const es = new EventSource(`/api/v1/events?access_token=${encodeURIComponent(token())}`);
  ui.stream = es;
  es.onopen = () => {
    ui.downSince = 0;
    $('login').hidden = true;
    whoami();
    setConnection('live', 'live');
    reloadAll();
  };
  es.onerror = () => {
    if (!ui.downSince) {
      ui.downSince = Date.now();
      refreshClusterAndNodes(); // a head that became a standby says so, and where the active head is
    }
    if (es.readyState === EventSource.CLOSED) {
      // the browser gave up (an error answer, such as 401 for a token the head does not know): whoami says
      // which before the badge says anything; a refused token is said once and not retried
      whoami().then(() => {
        if (ui.stream !== es || ui.refused) return;
        setConnection('reconnecting', 'reconnecting…');
        setTimeout(() => { if (ui.stream === es && !ui.refused) connect(); }, 2000);
      });
      return;
    }
    setConnection('reconnecting', 'reconnecting…');
  };
  es.addEventListener('job', (e) => upsert(JSON.parse(e.data)));
  es.addEventListener('node', (e) => {
    const n = JSON.parse(e.data);
    ui.nodes.set(n.name, n);
    scheduleNodes();
  });
  es.addEventListener('cluster', (e) => {
    const figures = JSON.parse(e.data);
    if (ui.cluster) Object.assign(ui.cluster, figures);
    setFigures(figures);
  });
  es.addEventListener('alert', (e) => addAlerts([JSON.parse(e.data)], true));
  es.addEventListener('resync', () => reloadAll());
  // the head ends the stream of a revoked token with this event: nothing the token fetched stays on show
  es.addEventListener('revoked', (e) => {
    let why = null;
    try { why = JSON.parse(e.data); } catch (err) { why = null; }
    es.close();
    if (ui.stream === es) ui.stream = null;
    localStorage.removeItem('hpc.token');
    closeDetail();
    showLogin(why && why.message ? `The head says: ${why.message}.` : 'The head says: your token was revoked.');
    setConnection('revoked', 'token revoked');
  });
}

/** Can this head be reached at all? An opaque answer is enough: we only go there if it answers. */
async function probe(address) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
  try {
    await fetch(`${location.protocol}//${address}/api/v1/cluster`, { mode: 'no-cors', cache: 'no-store',
      signal: controller.signal });
    return true;
  } catch (e) {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** The stream is down for a while: go to the first other head that answers, keeping what is shown. */
function failover() {
  if (ui.refused || !ui.downSince || Date.now() - ui.downSince < FAILOVER_AFTER_MS) return;
  const others = ui.heads.filter((h) => h !== location.host);
  if (!others.length) {
    setConnection('lost', 'head unreachable, retrying…');
    return;
  }
  goToHead(others);
}

/** Opens the page on the first of these heads that answers, with the same filters, sort and job. */
async function goToHead(candidates) {
  if (ui.switching || ui.leaving) return;
  ui.switching = true;
  setConnection('switching', 'trying other heads…');
  try {
    for (const h of candidates) {
      if (await probe(h)) {
        const params = new URLSearchParams({ heads: ui.heads.join(',') });
        ui.leaving = true;
        location.assign(`${location.protocol}//${h}/?${params}#${saveHash()}`);
        return;
      }
    }
    setConnection('lost', 'no other head answers, retrying…');
  } finally {
    ui.switching = false;
  }
}

function saveHash(withToken = true) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(ui.filter)) if (v) p.set(k, v);
  if (ui.mine) p.set('mine', '1');
  if (ui.history) p.set('history', '1');
  p.set('sort', `${ui.sort.key}:${ui.sort.dir}`);
  // the page chosen, not the one shown: an address opened before the jobs have loaded keeps it
  if (ui.page > 0) p.set('page', String(ui.page + 1));
  if (ui.rowsPerPage !== DEFAULT_ROWS) p.set('rows', String(ui.rowsPerPage));
  if (ui.selected) p.set('job', String(ui.selected));
  // the other head's page is another origin, with its own localStorage: the token comes along once
  if (withToken && token()) p.set('token', token());
  return p.toString();
}

/** The address says what is shown (filters, sort, the open job): it can be bookmarked and sent. */
function updateAddress() {
  if (ui.leaving) return;
  history.replaceState(null, '', `${location.pathname}${location.search}#${saveHash(false)}`);
}

function restoreHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  for (const k of Object.keys(ui.filter)) if (p.get(k)) ui.filter[k] = p.get(k);
  const sort = (p.get('sort') || '').split(':');
  if (SORT_KEYS[sort[0]]) ui.sort = { key: sort[0], dir: sort[1] === '1' ? 1 : -1 };
  ui.mine = p.get('mine') === '1';
  const rows = Number(p.get('rows'));
  if (PAGE_SIZES.includes(rows)) ui.rowsPerPage = rows;
  const page = Number(p.get('page'));
  if (Number.isInteger(page) && page > 1) ui.page = page - 1;
  ui.history = p.get('history') === '1';
  $('filter-mine').checked = ui.mine;
  $('filter-history').checked = ui.history;
  $('filter-text').value = ui.filter.text;
  $('filter-user').value = ui.filter.user;
  $('filter-state').value = ui.filter.state;
  $('filter-queue').value = ui.filter.queue;
  if (p.get('token')) {
    localStorage.setItem('hpc.token', p.get('token'));
    p.delete('token');
    history.replaceState(null, '', `${location.pathname}${location.search}#${p.toString()}`);
  }
  return p.get('job') ? Number(p.get('job')) : null;
}

// ------------------------------------------------------------------ start

/** Shows whose token the page uses, as the head says. */
async function whoami() {
  try {
    const me = await api('GET', '/api/v1/whoami');
    ui.me = me;
    $('whoami').textContent = `${me.user} (${me.role})`;
    renderNodes();
    renderQueues();
    if (ui.mine) scheduleView(true);
    if (ui.detail) renderDetail();
    showFigures(true);
  } catch (e) {
    $('whoami').textContent = '';
    ui.me = null;
  }
}

function start() {
  const box = $('token');
  let typing = 0;
  box.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      const pasted = box.value.trim();
      if (!pasted) return;
      localStorage.setItem('hpc.token', pasted);
      box.value = '';
      ui.picked.clear(); // ticked as another user: not this token's to act on
      showBulk('');
      ui.usageAt = 0; // another token may see other users' usage
      ui.refused = false;
      $('login').hidden = true;
      connect();
      refreshClusterAndNodes();
    }, 300);
  });

  const given = new URLSearchParams(location.search).get('heads');
  rememberHead(location.host);
  for (const h of (given || '').split(',')) rememberHead(h.trim());

  const reopen = restoreHash();
  if (token()) whoami();
  const onFilter = () => {
    ui.filter = { text: $('filter-text').value.trim(), user: $('filter-user').value.trim(),
      state: $('filter-state').value, queue: $('filter-queue').value.trim() };
    ui.mine = $('filter-mine').checked;
    ui.page = 0;
    $('queue').scrollTop = 0;
    scheduleView(true);
    updateAddress();
  };
  $('filter-mine').addEventListener('change', onFilter);
  $('filter-history').addEventListener('change', () => {
    ui.history = $('filter-history').checked;
    updateAddress();
    if (signedIn()) reloadAll();
  });
  for (const id of ['filter-text', 'filter-user', 'filter-queue']) {
    $(id).addEventListener('input', onFilter);
    $(id).addEventListener('change', onFilter);
  }
  $('filter-state').addEventListener('change', onFilter);

  document.querySelector('.qhead').addEventListener('click', (e) => {
    const key = e.target.closest('[data-sort]')?.dataset.sort;
    if (!key) return;
    ui.sort = ui.sort.key === key ? { key, dir: -ui.sort.dir } : { key, dir: key === 'number' ? -1 : 1 };
    ui.page = 0;
    scheduleView(true);
    updateAddress();
  });
  let scrolling = false;
  $('queue').addEventListener('scroll', () => {
    if (scrolling) return;
    scrolling = true;
    requestAnimationFrame(() => { scrolling = false; renderRows(); });
  });
  $('queue-window').addEventListener('click', (e) => {
    if (e.target.closest('.pick-box, .pick-none')) return; // ticking a job does not open it
    const toggle = e.target.closest('[data-toggle]');
    if (toggle) {
      toggleArray(Number(toggle.dataset.toggle));
      return;
    }
    const row = e.target.closest('[data-number]');
    if (row) openDetail(Number(row.dataset.number));
  });
  $('queue-window').addEventListener('keydown', onQueueKey);
  $('queue-window').addEventListener('change', (e) => {
    const box = e.target.closest('[data-pick]');
    if (!box) return;
    const r = ui.jobs.get(Number(box.dataset.pick));
    if (box.checked && r && pickable(r)) ui.picked.set(r.number, r.id); else ui.picked.delete(Number(box.dataset.pick));
    renderRows();
    renderBulk();
  });
  $('pick-page').addEventListener('change', () => {
    const mine = (ui.pageRows || []).filter(pickable);
    const all = mine.every((r) => ui.picked.has(r.number));
    for (const r of mine) if (all) ui.picked.delete(r.number); else ui.picked.set(r.number, r.id);
    renderRows();
    renderBulk();
  });
  for (const b of document.querySelectorAll('[data-bulk]')) {
    b.addEventListener('click', () => {
      if (b.getAttribute('aria-disabled') === 'true') return;
      if (b.dataset.bulk === 'clear') {
        ui.picked.clear();
        showBulk('');
        renderRows();
        renderBulk();
      } else {
        bulkAct(b.dataset.bulk);
      }
    });
  }
  document.querySelector('.pager').addEventListener('click', (e) => {
    const b = e.target.closest('[data-page]');
    if (!b || b.getAttribute('aria-disabled') === 'true') return;
    const lastPage = Math.max(0, Math.ceil(ui.total / ui.rowsPerPage) - 1);
    const to = { first: 0, prev: ui.shownPage - 1, next: ui.shownPage + 1, last: lastPage }[b.dataset.page];
    goToPage(to, true);
  });
  $('page-size').addEventListener('change', () => {
    // the first row in sight stays on the page shown
    const first = ui.shownPage * ui.rowsPerPage;
    ui.rowsPerPage = Number($('page-size').value) || DEFAULT_ROWS;
    goToPage(Math.floor(first / ui.rowsPerPage), true);
  });
  $('queue-window').addEventListener('focusin', (e) => {
    const row = e.target.closest('.row');
    if (row && row.dataset.key !== ui.focusKey) {
      ui.focusKey = row.dataset.key;
      renderRows();
    }
  });
  $('detail-close').addEventListener('click', closeDetail);
  $('node-grid').addEventListener('click', (e) => {
    const b = e.target.closest('[data-op]');
    if (b) nodeAction(b.dataset.node, b.dataset.op);
  });
  $('queues-body').addEventListener('click', (e) => {
    const b = e.target.closest('[data-op]');
    if (b) queueAction(b.dataset.queue, b.dataset.op);
  });
  for (const b of document.querySelectorAll('.streams button')) {
    b.addEventListener('click', () => {
      if (!ui.detail) return;
      output.chosen = { number: ui.detail.number, stream: b.dataset.stream };
      syncOutput();
    });
  }
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeDetail();
    trapFocus(e);
  });
  for (const b of document.querySelectorAll('.actions button')) {
    b.addEventListener('click', () => act(b.dataset.action));
  }
  window.addEventListener('resize', () => {
    if (measureRowHeight()) renderQueue(); else renderRows();
  });
  measureRowHeight();
  // a page left for another (or kept in the back-forward cache) lets go of its stream: a browser has a few
  // connections per host, and streams kept by pages out of sight left a newly opened page none to load with
  window.addEventListener('pagehide', () => {
    if (ui.stream) ui.stream.close();
    ui.stream = null;
  });
  window.addEventListener('pageshow', (e) => { if (e.persisted) connect(); });

  setInterval(renderRows, 1000);
  setInterval(() => renderThroughput(), 15000);
  setInterval(refreshClusterAndNodes, POLL_MS);
  setInterval(failover, 1000);

  renderNodes();
  renderThroughput();
  scheduleView(true);
  refreshClusterAndNodes();
  connect();
  if (reopen) {
    const wait = setInterval(() => {
      if (ui.jobs.has(reopen)) { clearInterval(wait); openDetail(reopen); }
    }, 200);
    setTimeout(() => clearInterval(wait), 10000);
  }
}

start();
