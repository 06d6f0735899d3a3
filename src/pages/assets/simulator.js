// simulator.js - the policy simulator page (GET /simulator). Each slider
// changes one threshold of a draft of the policy in force; the draft goes to
// POST /api/policies/impact (same origin: the session cookie and the Origin
// header go with it) at once, and the counts, the category bars, the
// threshold curve and the breakdown tables show who keeps, loses or gains
// certification. The page also saves the draft as a new version of a
// policy and schedules it, after a confirmation that shows its impact.
// Plain JS, no framework; the server renders everything else.
//
// Following a slider without queueing behind it: every input event is a new
// position (a sequence number); at most one request is in flight, and when
// it comes back the newest position is sent, so positions passed over while
// a request was out are superseded, never sent, and a server busy with a
// million creators gets one request at a time from this page. An answer
// older than what is shown is never drawn. "Simulate again" and "Back to the
// policy in force" abort the request in flight (AbortController) and send
// the position at once. Each drawing dispatches `sim:updated` on the form
// ({seq}), which the browser test times against the input event.
'use strict';
(function () {
  const form = document.getElementById('sim');
  if (!form) return;
  const $ = id => document.getElementById(id);
  const statusEl = $('sim-status');
  const results = $('sim-results');
  const chartEl = $('sim-chart');
  const sweepEl = $('sim-sweep');
  const sweepSelect = $('sweep-rule');
  const SVG = 'http://www.w3.org/2000/svg';
  const nf = new Intl.NumberFormat('en-US');
  const nf2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
  const sliders = [...form.querySelectorAll('input[type=range]')];
  const byName = Object.fromEntries(sliders.map(s => [s.name, s]));
  const TOP_MCNS = 10;

  let seq = 0;          // the sliders' positions so far: each input is a new one
  let sent = 0;         // the position of the last request sent
  let shown = 0;        // the position the page shows
  let inflight = null;  // {seq, ctrl}
  let updates = 0;
  let curve = null;     // the sweep of the curve's rule: {key, rule, points, ...}
  let sweepRule = sweepSelect ? sweepSelect.value : null;

  // ---- the draft ---------------------------------------------------------------

  const isDecimal = input => input.dataset.decimal === '1';
  // A slider's value in the rule's unit: hundredths for decimal rules.
  const units = input => isDecimal(input) ? Math.round(Number(input.value) * 100)
                                          : Math.round(Number(input.value));
  // A value in the rule's unit as the API and policy files write it.
  const apiValue = (input, u) => isDecimal(input) ? u / 100 : u;
  function fmt(input, u) {
    return isDecimal(input) ? nf2.format(u / 100) : nf.format(u);
  }

  // The draft policy the sliders describe, in the policy file format; the
  // numbers beside the sliders follow.
  function draft() {
    const rules = {};
    let windowDays = 30;
    for (const input of sliders) {
      const u = units(input);
      const out = $('o-' + input.name);
      if (out) out.textContent = fmt(input, u);
      if (input.name === 'window_days') windowDays = u;
      else rules[input.name] = apiValue(input, u);
    }
    return { name: form.dataset.draft, window_days: windowDays, rules };
  }

  // What the curve of `rule` depends on: everything but that rule's value.
  function curveKey(d, rule) {
    const others = Object.keys(d.rules).filter(k => k !== rule).sort().map(k => [k, d.rules[k]]);
    return JSON.stringify([rule, d.window_days, others]);
  }

  // The sweep asked for the curve: the slider's range in about 100 steps.
  function sweepSpec(rule) {
    const input = byName[rule];
    const scale = isDecimal(input) ? 100 : 1;
    const min = Math.round(Number(input.min) * scale), max = Math.round(Number(input.max) * scale);
    const step = Math.max(1, Math.round(Number(input.step) * scale));
    const stride = step * Math.max(1, Math.ceil((max - min) / step / 100));
    const to = min + Math.floor((max - min) / stride) * stride;
    return { rule, from: apiValue(input, min), to: apiValue(input, to), step: apiValue(input, stride) };
  }

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle('error', !!isError);
  }

  function text(id, v) {
    const e = $(id);
    if (e) e.textContent = v;
  }

  // ---- drawing -------------------------------------------------------------------

  function el(name, attrs, content) {
    const e = document.createElementNS(SVG, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (content !== undefined) e.textContent = content;
    return e;
  }

  // The charts' widths: their boxes on the page (so that text stays
  // readable on a phone), within bounds. Read once per drawing, before
  // anything changes, so that reading them never forces a layout.
  const widths = { bars: 560, sweep: 560 };
  function measure() {
    const w = box => Math.max(300, Math.min(900, Math.round(box.clientWidth || 560)));
    widths.bars = w(chartEl);
    widths.sweep = w(sweepEl);
  }

  // 1, 2 or 5 x 10^k: a tick step giving about `n` ticks up to max.
  function tickStep(max, n) {
    const raw = Math.max(max, 1) / n;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    return raw / p > 5 ? 10 * p : raw / p > 2 ? 5 * p : raw / p > 1 ? 2 * p : p;
  }

  function yAxis(svg, y, ymax, unit, left, right) {
    for (let t = 0; t <= ymax + 1e-9; t += unit) {
      svg.appendChild(el('line', { x1: left, x2: right, y1: y(t), y2: y(t), stroke: '#e3e7ec' }));
      svg.appendChild(el('text', { x: left - 6, y: y(t), 'font-size': 12, fill: '#5f6b7a',
                                   'text-anchor': 'end', dy: '0.35em' }, nf.format(Math.round(t))));
    }
  }

  // A legend under a chart: entries left to right, on as many rows as the
  // width needs (text width estimated at 0.6 of the font size a
  // character). Returns the rows, drawn from y = top down, 18 px apart.
  function legendRows(entries, W) {
    const rows = [[]];
    let x = 8;
    for (const [color, name] of entries) {
      const w = 17 + name.length * 12 * 0.6 + 14;
      if (x + w > W - 4 && rows[rows.length - 1].length) {
        rows.push([]);
        x = 8;
      }
      rows[rows.length - 1].push({ x, color, name });
      x += w;
    }
    return rows;
  }

  function drawLegend(svg, rows, top) {
    rows.forEach((row, r) => row.forEach(e => {
      svg.appendChild(el('rect', { x: e.x, y: top + 18 * r, width: 12, height: 12, fill: e.color }));
      svg.appendChild(el('text', { x: e.x + 17, y: top + 18 * r + 10, 'font-size': 12, fill: '#1f2933' },
                         e.name));
    }));
  }

  function chartTitle(svg, text) {
    svg.appendChild(el('text', { x: 8, y: 20, 'font-size': 15, 'font-weight': 'bold', fill: '#1f2933' },
                       text));
  }

  // Grouped bars: certified under the policy in force and under the draft,
  // for each category.
  function bars(groups, names) {
    const W = widths.bars, H0 = 300, left = 56, right = 10, top = 40;
    const colors = ['#9aa5b1', '#1f6feb'];
    const legend = legendRows(names.map((n, s) => [colors[s], n]), W);
    const gw = (W - left - right) / Math.max(1, groups.length);
    const slanted = gw < 64;
    const labels = slanted ? 64 : 24, bottom = labels + 10 + 18 * legend.length;
    const H = H0 + bottom - 48;
    const max = Math.max(1, ...groups.map(g => Math.max(g.now, g.draft)));
    const unit = tickStep(max, 5);
    const ymax = Math.ceil(max / unit) * unit;
    const svg = el('svg', { xmlns: SVG, viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img',
                            'font-family': 'system-ui, sans-serif', 'data-max': String(max) });
    svg.appendChild(el('title', {}, 'Certified creators by category: policy in force and draft'));
    chartTitle(svg, W < 400 ? 'Certified, by category' : 'Certified creators by category');
    const y = v => top + (H - top - bottom) * (1 - v / ymax);
    yAxis(svg, y, ymax, unit, left, W - right);
    const bw = Math.min(26, gw * 0.38);
    groups.forEach((g, i) => {
      const cx = left + i * gw + gw / 2;
      [g.now, g.draft].forEach((v, s) => {
        const r = el('rect', { x: cx - bw + s * bw, y: y(v), width: bw - 2, height: Math.max(0, y(0) - y(v)),
                               fill: colors[s], 'data-series': s ? 'draft' : 'now', 'data-group': g.name,
                               'data-value': String(v) });
        r.appendChild(el('title', {}, `${g.name}, ${names[s]}: ${nf.format(v)}`));
        svg.appendChild(r);
      });
      const ly = H - bottom + 16;
      svg.appendChild(el('text', slanted
        ? { x: cx, y: ly, 'font-size': 12, fill: '#1f2933', 'text-anchor': 'end',
            transform: `rotate(-40 ${cx} ${ly})` }
        : { x: cx, y: ly, 'font-size': 12, fill: '#1f2933', 'text-anchor': 'middle' }, g.name));
    });
    drawLegend(svg, legend, H - 8 - 18 * legend.length);
    chartEl.replaceChildren(svg);
  }

  // The sweep as a curve (what `partnerd simulate --sweep --chart` draws):
  // creators the draft certifies at each threshold of one rule, and of them
  // those certified now; the in-force and draft thresholds marked.
  function sweepChart(c, d, nowCertified) {
    const input = byName[c.rule];
    const W = widths.sweep, left = 56, right = 18, top = 40;
    const legend = legendRows([['#1f6feb', 'certified by the draft'],
                               ['#1a7f37', 'of them, certified now'], ['#9aa5b1', 'certified now']], W);
    const bottom = 46 + 18 * legend.length, H = 300 + bottom - 64;
    const pts = c.points;
    const x0 = pts[0].threshold, x1 = pts[pts.length - 1].threshold;
    const max = Math.max(1, nowCertified, ...pts.map(p => p.certified));
    const unit = tickStep(max, 5);
    const ymax = Math.ceil(max / unit) * unit;
    const x = v => left + (W - left - right) * (x1 > x0 ? (v - x0) / (x1 - x0) : 0.5);
    const y = v => top + (H - top - bottom) * (1 - v / ymax);
    const label = input.labels && input.labels[0] ? input.labels[0].childNodes[0].textContent.trim()
                                                  : c.rule;
    const svg = el('svg', { xmlns: SVG, viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img',
                            'font-family': 'system-ui, sans-serif', 'data-rule': c.rule,
                            'data-points': String(pts.length) });
    svg.appendChild(el('title', {}, `Creators the draft certifies at each ${c.rule} threshold`));
    chartTitle(svg, 'Certified at each threshold');
    yAxis(svg, y, ymax, unit, left, W - right);
    const xunit = tickStep(x1 - x0, W < 480 ? 3 : 5);
    for (let t = Math.ceil(x0 / xunit) * xunit; t <= x1 + 1e-9; t += xunit) {
      const anchor = x(t) > W - right - 12 ? 'end' : 'middle';
      svg.appendChild(el('text', { x: x(t), y: H - bottom + 16, 'font-size': 12, fill: '#5f6b7a',
                                   'text-anchor': anchor },
                         isDecimal(input) && t < 100 ? String(Math.round(t * 100) / 100) : nf.format(t)));
    }
    svg.appendChild(el('text', { x: left + (W - left - right) / 2, y: H - bottom + 34, 'font-size': 12,
                                 fill: '#1f2933', 'text-anchor': 'middle' }, `${label} (${c.rule})`));
    // certified now: a reference line
    svg.appendChild(el('line', { x1: left, x2: W - right, y1: y(nowCertified), y2: y(nowCertified),
                                 stroke: '#9aa5b1', 'stroke-dasharray': '5 4', 'data-series': 'now' }));
    const line = (key, color, series) => el('polyline', {
      points: pts.map(p => `${x(p.threshold).toFixed(1)},${y(key(p)).toFixed(1)}`).join(' '),
      fill: 'none', stroke: color, 'stroke-width': 2.5, 'stroke-linejoin': 'round', 'data-series': series });
    svg.appendChild(line(p => p.certified, '#1f6feb', 'draft'));
    svg.appendChild(line(p => p.kept, '#1a7f37', 'kept'));
    const mark = (v, color, name, series) => {
      const g = el('g', { 'data-series': series, 'data-value': String(v) });
      g.appendChild(el('line', { x1: x(v), x2: x(v), y1: top, y2: H - bottom, stroke: color,
                                 'stroke-width': 1.5, 'stroke-dasharray': series === 'in-force' ? '3 3' : '' }));
      g.appendChild(el('title', {}, `${name}: ${isDecimal(input) ? v : nf.format(v)}`));
      return g;
    };
    const current = Number(input.dataset.current);
    if (current >= x0 && current <= x1) svg.appendChild(mark(current, '#5f6b7a', 'in force', 'in-force'));
    // the draft's threshold and its point on the curve (placeMark moves them)
    const g = mark(0, '#b42318', 'draft', 'draft-threshold');
    const dot = el('circle', { r: 4.5, fill: '#b42318' });
    svg.appendChild(g);
    svg.appendChild(dot);
    sweepState = { rule: c.rule, input, x, y, pts, x0, x1, g, dot };
    placeMark(d.rules[c.rule]);
    drawLegend(svg, legend, H - 8 - 18 * legend.length);
    sweepEl.replaceChildren(svg);
  }

  // Moves the draft's mark on the curve drawn last to threshold v (in the
  // API's unit), hidden when outside the curve: no redrawing while a
  // slider is dragged.
  let sweepState = null;
  function placeMark(v) {
    const st = sweepState;
    if (!st) return;
    const inside = v !== undefined && v >= st.x0 && v <= st.x1;
    st.g.setAttribute('visibility', inside ? 'visible' : 'hidden');
    st.dot.setAttribute('visibility', inside ? 'visible' : 'hidden');
    if (!inside) return;
    let best = st.pts[0];
    for (const p of st.pts) if (Math.abs(p.threshold - v) < Math.abs(best.threshold - v)) best = p;
    const line = st.g.querySelector('line');
    line.setAttribute('x1', st.x(v));
    line.setAttribute('x2', st.x(v));
    st.g.setAttribute('data-value', String(v));
    st.g.querySelector('title').textContent = `draft: ${isDecimal(st.input) ? v : nf.format(v)}`;
    st.dot.setAttribute('cx', st.x(v));
    st.dot.setAttribute('cy', st.y(best.certified));
  }

  // A breakdown table: the same groups as before get their numbers changed
  // in place (the common case while a slider moves), others a new body.
  function table(id, rows) {
    const body = document.querySelector(`#${id} tbody`);
    if (!body) return;
    const numbers = g => [g.creators, g.now, g.draft, g.lost, g.gained];
    const trs = body.rows;
    if (trs.length === rows.length &&
        rows.every((g, i) => trs[i].cells[0].textContent === g.name)) {
      rows.forEach((g, i) => numbers(g).forEach((v, k) => {
        const s = nf.format(v), td = trs[i].cells[k + 1];
        if (td.textContent !== s) td.textContent = s;
      }));
      return;
    }
    body.replaceChildren(...rows.map(g => {
      const tr = document.createElement('tr');
      if (g.mcnId !== undefined && g.mcnId !== null) tr.dataset.mcn = String(g.mcnId);
      const th = document.createElement('th');
      th.setAttribute('scope', 'row');
      th.textContent = g.name;
      tr.appendChild(th);
      for (const v of numbers(g)) {
        const td = document.createElement('td');
        td.className = 'num';
        td.textContent = nf.format(v);
        tr.appendChild(td);
      }
      return tr;
    }));
  }

  function groupsOf(list) {
    return (list || []).map(g => ({
      name: g.group, creators: g.creators, mcnId: g.mcn_id,
      now: g.policies[0].certified, draft: g.policies[1].certified,
      lost: g.policies[1].lost, gained: g.policies[1].gained,
    }));
  }

  let last = null; // {r, d}: the answer shown and its draft

  function render(r, d, my, key) {
    measure();
    const now = r.policies[0], dr = r.policies[1];
    text('c-now', nf.format(now.certified));
    text('c-draft', nf.format(dr.certified));
    text('c-kept', nf.format(dr.kept));
    text('c-lost', nf.format(dr.lost));
    text('c-gained', nf.format(dr.gained));
    text('c-creators', nf.format(r.creators));
    const cats = groupsOf(r.breakdowns.category);
    bars(cats, [`${now.name} (in force)`, 'draft']);
    if (r.sweep) curve = { key, rule: r.sweep.rule, points: r.sweep.points };
    if (curve && curve.key === key) sweepChart(curve, d, now.certified);
    table('by-category', cats);
    table('by-tier', groupsOf(r.breakdowns.follower_tier));
    table('by-mcn-id', groupsOf(r.breakdowns.mcns));
    table('by-mcn', groupsOf(r.breakdowns.mcn));
    last = { r, d };
    shown = my;
    updates += 1;
    results.dataset.updates = String(updates);
    results.dataset.seq = String(my);
    results.dataset.draftCertified = String(dr.certified);
    results.hidden = false;
    setStatus(`Draft: ${Object.entries(d.rules).map(([k, v]) => `${k} ${nf2.format(v)}`).join(', ')}, ` +
              `${d.window_days}-day window.`);
    form.dispatchEvent(new CustomEvent('sim:updated', { detail: { seq: my } }));
  }

  // ---- asking the server ---------------------------------------------------------------

  function send() {
    const my = seq;
    sent = my;
    const d = draft();
    const key = sweepRule ? curveKey(d, sweepRule) : null;
    const body = { baseline: 'current', candidate: d, top_mcns: TOP_MCNS };
    if (sweepRule && (!curve || curve.key !== key)) body.sweep = sweepSpec(sweepRule);
    const ctrl = new AbortController();
    inflight = { seq: my, ctrl };
    // The answer is in: the newest position goes out before this one is
    // drawn, so the server works while the page draws.
    const release = () => {
      if (inflight && inflight.ctrl === ctrl) {
        inflight = null;
        pump();
      }
    };
    if (my > shown + 1 || !shown) setStatus('Computing…');
    fetch(form.dataset.endpoint, {
      method: 'POST', credentials: 'same-origin', signal: ctrl.signal,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    }).then(async res => {
      const data = await res.json().catch(() => null);
      release();
      if (my <= shown) return; // older than what is shown: never drawn
      if (!res.ok || !data) {
        if (my === seq) {
          const msg = data && data.error ? data.error.message : `the server answered ${res.status}`;
          setStatus(`Cannot simulate this draft: ${msg}`, true);
        }
        return;
      }
      render(data, d, my, key);
    }).catch(e => {
      if (e.name !== 'AbortError' && my === seq) setStatus(`Cannot reach the server: ${e.message}`, true);
    }).finally(release);
  }

  // Sends the newest position unless a request is out (its end calls pump).
  function pump() {
    if (!inflight && sent < seq) send();
  }

  // A newer position: now, whatever is in flight (its answer is dropped).
  function sendNow() {
    seq += 1;
    form.dataset.seq = String(seq);
    if (inflight) {
      inflight.ctrl.abort();
      inflight = null;
    }
    send();
  }

  form.addEventListener('input', e => {
    if (e.target === sweepSelect) return;
    const d = draft(); // the numbers beside the sliders follow at once
    if (e.target.name && e.target.name !== 'window_days' && byName[e.target.name] && sweepSelect) {
      sweepRule = e.target.name;
      sweepSelect.value = sweepRule;
    }
    seq += 1;
    form.dataset.seq = String(seq);
    pump();
    // the draft's mark on a known curve moves before the answer comes
    if (sweepState && sweepState.rule === sweepRule && curve && curve.key === curveKey(d, sweepRule))
      placeMark(d.rules[sweepRule]);
  });
  if (sweepSelect) {
    sweepSelect.addEventListener('change', () => {
      sweepRule = sweepSelect.value;
      sendNow();
    });
  }
  form.addEventListener('submit', e => { e.preventDefault(); sendNow(); });
  form.addEventListener('reset', () => setTimeout(sendNow, 0));
  window.addEventListener('resize', () => {
    if (!last) return;
    measure();
    bars(groupsOf(last.r.breakdowns.category), [`${last.r.policies[0].name} (in force)`, 'draft']);
    if (curve && curve.key === curveKey(last.d, sweepRule)) sweepChart(curve, last.d, last.r.policies[0].certified);
  });
  form.dataset.seq = '0';
  sendNow();

  // ---- saving and scheduling the draft ---------------------------------------------------

  const saveBox = $('sim-save');
  if (!saveBox) return;
  const nameEl = $('save-name'), descEl = $('save-desc'), fromEl = $('save-from');
  const saveStatus = $('save-status'), dialog = $('sim-confirm'), confirmError = $('confirm-error');
  const goButton = $('confirm-go');
  let saved = null; // the version saved from the sliders: {key, id, version, name}
  let pending = null; // what the confirmation is about: {policy, from}

  function say(msg, isError) {
    saveStatus.textContent = msg;
    saveStatus.classList.toggle('error', !!isError);
  }

  async function api(method, path, body) {
    const res = await fetch(path, {
      method, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => null);
    if (!res.ok || !data)
      throw new Error(data && data.error ? data.error.message : `the server answered ${res.status}`);
    return data;
  }

  // The sliders' policy under the name and description of the form.
  function policyToSave() {
    const d = draft();
    const p = { name: nameEl.value.trim(), window_days: d.window_days, rules: d.rules };
    const desc = descEl.value.trim();
    if (desc) p.description = desc;
    return p;
  }

  // Stores the policy (once: the same policy asked again is the same version).
  async function store(p) {
    const key = JSON.stringify(p);
    if (saved && saved.key === key) return saved;
    const r = await api('POST', '/api/policies', p);
    saved = { key, id: r.id, version: r.version, name: r.name };
    return saved;
  }

  $('save-version').addEventListener('click', async () => {
    const p = policyToSave();
    if (!p.name) return say('Give the policy a name.', true);
    try {
      const s = await store(p);
      say(`Saved as ${s.name} version ${s.version} (policy ${s.id}). Nothing changes until it is ` +
          'scheduled.');
      saveBox.dataset.savedId = String(s.id);
    } catch (e) {
      say(`Cannot save the draft: ${e.message}`, true);
    }
  });

  $('save-schedule').addEventListener('click', async () => {
    const p = policyToSave();
    const from = fromEl.value;
    if (!p.name) return say('Give the policy a name.', true);
    if (!/^\d{4}-\d\d-\d\d$/.test(from)) return say('Choose the day it takes effect.', true);
    if (from < saveBox.dataset.today)
      return say(`Choose ${saveBox.dataset.today} (today) or a later day.`, true);
    say('Computing the impact…');
    let r;
    try {
      // The impact of exactly this policy, against the one in force now.
      r = await api('POST', form.dataset.endpoint, {
        baseline: 'current',
        candidate: { name: form.dataset.draft, window_days: p.window_days, rules: p.rules },
      });
    } catch (e) {
      return say(`Cannot compute the impact: ${e.message}`, true);
    }
    const now = r.policies[0], dr = r.policies[1];
    pending = { policy: p, from };
    text('confirm-what', `${p.name} as the sliders set it, in force from ${from} instead of ` +
         `${now.name} version ${saveBox.dataset.inForceVersion}: of the ` +
         `${nf.format(now.certified)} creators certified now, it keeps ${nf.format(dr.kept)}.`);
    text('confirm-kept', nf.format(dr.kept));
    text('confirm-lost', nf.format(dr.lost));
    text('confirm-gained', nf.format(dr.gained));
    text('confirm-certified', nf.format(dr.certified));
    confirmError.hidden = true;
    goButton.disabled = false;
    say('');
    dialog.showModal();
  });

  $('confirm-cancel').addEventListener('click', () => {
    pending = null;
    dialog.close();
    say('Nothing was saved or scheduled.');
  });

  goButton.addEventListener('click', async () => {
    if (!pending) return;
    goButton.disabled = true;
    const { policy, from } = pending;
    try {
      const s = await store(policy);
      saveBox.dataset.savedId = String(s.id);
      const a = await api('POST', `/api/policies/${s.id}/activate`, { from });
      pending = null;
      dialog.close();
      saveBox.dataset.activationId = String(a.activation.id);
      if (a.applied) {
        say(`${s.name} version ${s.version} is in force from today (${a.activation.from}): ` +
            `${nf.format(a.report.gained)} creators gained certification and ` +
            `${nf.format(a.report.lost)} lost it. Reload the page to simulate against it.`);
      } else {
        say(`Saved ${s.name} version ${s.version} (policy ${s.id}) and scheduled it: in force ` +
            `from ${a.activation.from}.`);
      }
    } catch (e) {
      confirmError.textContent = `Cannot schedule it: ${e.message}`;
      confirmError.hidden = false;
      goButton.disabled = false;
    }
  });
})();
