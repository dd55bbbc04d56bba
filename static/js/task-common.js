// Shared by the task list, the task page and the case page: page data, Beijing times, due states,
// countdowns and the process diagram with the case's path marked. Plain ES2020, no build step.
(function () {
  function readJson(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  const config = readJson('page-config');
  const strings = readJson('page-strings');
  // The server's clock, not the browser's: countdowns and "overdue" follow the service.
  const skew = config.now ? Date.parse(config.now) - Date.now() : 0;
  const now = () => Date.now() + skew;

  /** A translated string with {name} placeholders filled in (values are text, never HTML). */
  function t(key, values) {
    const text = strings[key] ?? key;
    return values ? text.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m)) : text;
  }

  /** "2026-11-28 08:51" from the API's ISO time, which already carries the service's offset (+08:00). */
  function shortTime(iso) {
    if (!iso) return '';
    const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
    return match ? `${match[1]} ${match[2]}` : iso;
  }

  function dayIn(zone, ms) {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(new Date(ms));
  }

  /** overdue | today | ok | '' (no due time), in the service's time zone. */
  function dueState(iso) {
    if (!iso) return '';
    const due = Date.parse(iso);
    if (due < now()) return 'overdue';
    return dayIn(config.timezone || 'Asia/Shanghai', due) === dayIn(config.timezone || 'Asia/Shanghai', now())
      ? 'today' : 'ok';
  }

  /** "还剩 2天 3小时", or "已超时 5分 10秒": the two largest units. */
  function countdown(iso) {
    const total = Math.round((Date.parse(iso) - now()) / 1000);
    const left = Math.abs(total);
    const amounts = [['days', Math.floor(left / 86400)], ['hours', Math.floor(left / 3600) % 24],
      ['minutes', Math.floor(left / 60) % 60], ['seconds', left % 60]];
    const first = Math.max(0, amounts.findIndex(([, n]) => n > 0));
    const shown = amounts.slice(first, first + 2).map(([unit, n]) => t(unit, { n })).join(' ');
    return total < 0 ? t('lateBy', { time: shown }) : t('timeLeft', { time: shown });
  }

  /** The JSON body of a fetch error, or its message. */
  function errorText(error) {
    return error?.body?.message || error?.message || String(error);
  }

  /**
   * The diagram of a version with the case marked: `finished` elements and the flows between them in
   * green, `current` in blue, `overdue` in red. Gateways and events the history does not record count
   * as passed when they sit between passed elements.
   */
  async function showDiagram(container, url, marks) {
    const resp = await fetch(url, { credentials: 'same-origin' });
    if (!resp.ok) throw new Error(`${resp.status} ${resp.statusText}`);
    const viewer = WuyeFlowViewer.create(container);
    await viewer.importXML(await resp.text());
    const registry = viewer.get('elementRegistry');
    const current = new Set(marks.current || []);
    const passed = new Set(marks.finished || []);
    const isFlow = (el) => el.type === 'bpmn:SequenceFlow';
    const flowsOf = (list) => (list || []).filter(isFlow);
    // The history records people's tasks, fired timers and end events; gateways, start events and
    // rule tasks in between are passed when they lie downstream of a passed element and upstream of
    // a reached one. A current step (a call activity whose called process is running) is not passed through.
    const recorded = (el) => el.type === 'bpmn:UserTask' || el.type === 'bpmn:BoundaryEvent' || current.has(el.id);
    const reached = (id) => passed.has(id) || current.has(id);
    function spread(starts, step) {
      const seen = new Set();
      const queue = [...starts];
      while (queue.length) {
        for (const next of step(queue.pop())) {
          if (next && !recorded(next) && !seen.has(next.id)) { seen.add(next.id); queue.push(next); }
        }
      }
      return seen;
    }
    const all = registry.filter((el) => !isFlow(el) && el.businessObject?.$instanceOf?.('bpmn:FlowNode'));
    const starts = all.filter((el) => el.type === 'bpmn:StartEvent' && flowsOf(el.incoming).length === 0);
    const downstream = spread([...all.filter((el) => passed.has(el.id)), ...starts],
      (el) => flowsOf(el.outgoing).map((f) => f.target));
    starts.forEach((el) => downstream.add(el.id));
    const upstream = spread(all.filter((el) => reached(el.id)), (el) => flowsOf(el.incoming).map((f) => f.source));
    for (const id of downstream) if (upstream.has(id)) passed.add(id);
    const flows = registry.filter((el) => isFlow(el) && passed.has(el.source.id) && reached(el.target.id));
    // An expanded sub-process would be filled green as a whole: its path inside says enough. A current step
    // passed before (a 返单 loop, or a call activity between passed elements) is shown as current.
    const shown = [...passed].filter((id) => !current.has(id)
      && (registry.get(id)?.type !== 'bpmn:SubProcess' || registry.get(id).collapsed));
    WuyeFlowViewer.mark(viewer, [...shown, ...flows.map((f) => f.id)], 'wf-finished');
    WuyeFlowViewer.mark(viewer, [...current], 'wf-current');
    WuyeFlowViewer.mark(viewer, marks.overdue || [], 'wf-overdue');
    focusOn(viewer, [...current]);
    diagramButtons(viewer, [...current]);
    return viewer;
  }

  /** Show the whole diagram, or, when that is too small to read, the current steps at a readable size. */
  function focusOn(viewer, ids) {
    const canvas = viewer.get('canvas');
    canvas.zoom('fit-viewport');
    const registry = viewer.get('elementRegistry');
    const elements = ids.map((id) => registry.get(id)).filter(Boolean);
    if (!elements.length || canvas.zoom() >= 0.6) return;
    const left = Math.min(...elements.map((e) => e.x));
    const right = Math.max(...elements.map((e) => e.x + e.width));
    const top = Math.min(...elements.map((e) => e.y));
    const bottom = Math.max(...elements.map((e) => e.y + e.height));
    const { outer } = canvas.viewbox();
    const scale = 0.75;
    const width = outer.width / scale;
    const height = outer.height / scale;
    canvas.viewbox({ x: (left + right) / 2 - width / 2, y: (top + bottom) / 2 - height / 2, width, height });
  }

  /** The 全图 / 当前步骤 buttons beside a diagram. */
  function diagramButtons(viewer, ids) {
    document.querySelector('[data-diagram="fit"]')?.addEventListener('click', () => viewer.get('canvas').zoom('fit-viewport'));
    document.querySelector('[data-diagram="current"]')?.addEventListener('click', () => focusOn(viewer, ids));
  }

  window.WuyeFlowTasks = { config, strings, t, now, shortTime, dueState, countdown, errorText, showDiagram, focusOn };
})();
