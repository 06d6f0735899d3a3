// simulator.js - the policy simulator page (GET /simulator): each slider
// changes one threshold of a draft of the policy in force; after a short
// pause the draft goes to POST /api/policies/impact (same origin: the
// session cookie and the Origin header go with it) and the counts, the
// chart and the breakdown tables show who keeps, loses or gains
// certification. Plain JS, no framework; the server renders everything else.
'use strict';
(function () {
  const form = document.getElementById('sim');
  if (!form) return;
  const statusEl = document.getElementById('sim-status');
  const results = document.getElementById('sim-results');
  const chartEl = document.getElementById('sim-chart');
  const SVG = 'http://www.w3.org/2000/svg';
  const nf = new Intl.NumberFormat('en-US');
  let timer = null;
  let seq = 0;
  let inflight = null;
  let updates = 0;

  function fmt(v, decimal) {
    return decimal ? v.toFixed(2).replace(/\.?0+$/, '') : nf.format(v);
  }

  // The draft policy the sliders describe, in the policy file format.
  function draft() {
    const rules = {};
    let windowDays = 30;
    for (const input of form.querySelectorAll('input[type=range]')) {
      const decimal = input.dataset.decimal === '1';
      const v = decimal ? Math.round(Number(input.value) * 100) / 100 : Math.round(Number(input.value));
      const out = document.getElementById('o-' + input.name);
      if (out) out.textContent = fmt(v, decimal);
      if (input.name === 'window_days') windowDays = v;
      else rules[input.name] = v;
    }
    return { name: form.dataset.draft, window_days: windowDays, rules };
  }

  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle('error', !!isError);
  }

  function text(id, v) {
    const el = document.getElementById(id);
    if (el) el.textContent = v;
  }

  function el(name, attrs, content) {
    const e = document.createElementNS(SVG, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (content !== undefined) e.textContent = content;
    return e;
  }

  // Grouped bars: certified under the policy in force and under the draft,
  // for each group (category), drawn as SVG.
  function chart(groups, names) {
    const W = 860, H = 360, left = 64, right = 16, top = 48, bottom = 70;
    const max = Math.max(1, ...groups.map(g => Math.max(g.now, g.draft)));
    const step = Math.pow(10, Math.floor(Math.log10(max)));
    const unit = max / step > 5 ? step * 2 : max / step > 2 ? step : step / 2;
    const ymax = Math.ceil(max / unit) * unit;
    const svg = el('svg', { xmlns: SVG, viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img',
                            'font-family': 'system-ui, sans-serif', 'data-max': String(max) });
    svg.appendChild(el('title', {}, 'Certified creators by category: policy in force and draft'));
    svg.appendChild(el('text', { x: left, y: 22, 'font-size': 16, 'font-weight': 'bold', fill: '#1f2933' },
                       'Certified creators by category'));
    const y = v => top + (H - top - bottom) * (1 - v / ymax);
    for (let t = 0; t <= ymax + 1e-9; t += unit) {
      svg.appendChild(el('line', { x1: left, x2: W - right, y1: y(t), y2: y(t), stroke: '#e3e7ec' }));
      svg.appendChild(el('text', { x: left - 6, y: y(t), 'font-size': 12, fill: '#5f6b7a',
                                   'text-anchor': 'end', dy: '0.35em' }, nf.format(Math.round(t))));
    }
    const colors = ['#9aa5b1', '#1f6feb'];
    const gw = (W - left - right) / Math.max(1, groups.length);
    const bw = Math.min(28, gw * 0.36);
    groups.forEach((g, i) => {
      const x0 = left + i * gw + gw / 2 - bw;
      [g.now, g.draft].forEach((v, s) => {
        const r = el('rect', { x: x0 + s * bw, y: y(v), width: bw - 2, height: Math.max(0, y(0) - y(v)),
                               fill: colors[s], 'data-series': s ? 'draft' : 'now', 'data-group': g.name,
                               'data-value': String(v) });
        r.appendChild(el('title', {}, `${g.name}, ${names[s]}: ${nf.format(v)}`));
        svg.appendChild(r);
      });
      svg.appendChild(el('text', { x: left + i * gw + gw / 2, y: H - bottom + 16, 'font-size': 12,
                                   fill: '#1f2933', 'text-anchor': 'middle' }, g.name));
    });
    names.forEach((n, s) => {
      const lx = left + s * 260;
      svg.appendChild(el('rect', { x: lx, y: H - 26, width: 14, height: 14, fill: colors[s] }));
      svg.appendChild(el('text', { x: lx + 20, y: H - 14, 'font-size': 13, fill: '#1f2933' }, n));
    });
    chartEl.replaceChildren(svg);
  }

  function table(id, rows) {
    const body = document.querySelector(`#${id} tbody`);
    if (!body) return;
    body.replaceChildren(...rows.map(g => {
      const tr = document.createElement('tr');
      const cells = [g.name, g.creators, g.now, g.draft, g.lost, g.gained];
      cells.forEach((v, k) => {
        const td = document.createElement(k === 0 ? 'th' : 'td');
        if (k === 0) td.setAttribute('scope', 'row');
        else td.className = 'num';
        td.textContent = k === 0 ? v : nf.format(v);
        tr.appendChild(td);
      });
      return tr;
    }));
  }

  function groupsOf(list) {
    return (list || []).map(g => ({
      name: g.group, creators: g.creators,
      now: g.policies[0].certified, draft: g.policies[1].certified,
      lost: g.policies[1].lost, gained: g.policies[1].gained,
    }));
  }

  function render(r) {
    const now = r.policies[0], d = r.policies[1];
    text('c-now', nf.format(now.certified));
    text('c-draft', nf.format(d.certified));
    text('c-kept', nf.format(d.kept));
    text('c-lost', nf.format(d.lost));
    text('c-gained', nf.format(d.gained));
    text('c-creators', nf.format(r.creators));
    const cats = groupsOf(r.breakdowns.category);
    chart(cats, [`${now.name} (in force)`, 'draft']);
    table('by-category', cats);
    table('by-tier', groupsOf(r.breakdowns.follower_tier));
    table('by-mcn', groupsOf(r.breakdowns.mcn));
    updates += 1;
    results.dataset.updates = String(updates);
    results.dataset.draftCertified = String(d.certified);
    results.hidden = false;
  }

  async function run() {
    const my = ++seq;
    if (inflight) inflight.abort();
    inflight = new AbortController();
    const candidate = draft();
    setStatus('Computing…');
    try {
      const res = await fetch(form.dataset.endpoint, {
        method: 'POST', credentials: 'same-origin', signal: inflight.signal,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ baseline: 'current', candidate }),
      });
      const body = await res.json().catch(() => null);
      if (my !== seq) return;
      if (!res.ok || !body) {
        const msg = body && body.error ? body.error.message : `the server answered ${res.status}`;
        setStatus(`Cannot simulate this draft: ${msg}`, true);
        return;
      }
      render(body);
      setStatus(`Draft: ${Object.entries(candidate.rules).map(([k, v]) => `${k} ${v}`).join(', ')}, ` +
                `${candidate.window_days}-day window.`);
    } catch (e) {
      if (e.name !== 'AbortError' && my === seq) setStatus(`Cannot reach the server: ${e.message}`, true);
    }
  }

  function schedule() {
    draft(); // the numbers beside the sliders follow at once
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  }

  form.addEventListener('input', schedule);
  form.addEventListener('submit', e => { e.preventDefault(); clearTimeout(timer); run(); });
  form.addEventListener('reset', () => setTimeout(schedule, 0));
  run();
})();
