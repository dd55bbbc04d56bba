// /tasks: the tabs 我的待办 / 部门待办 / 全部, filters, keyset paging, live counts, claim and unclaim in place.
(function () {
  const { config, t, shortTime, dueState, errorText } = window.WuyeFlowTasks;
  const { api } = window.WuyeFlow;
  const PAGE_SIZE = 20;
  const REFRESH_MS = 30000;
  const $ = (selector) => document.querySelector(selector);
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const rowsBody = $('#task-rows');
  const filters = $('#task-filters');
  const status = $('#task-status');
  const strings = window.WuyeFlowTasks.strings;
  // The cursor each visited page started from (null: the first page); keyset paging only goes forward,
  // so "第一页" starts over.
  const state = { scope: config.tabs[0], starts: [null], next: null, tasks: new Map() };

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : value);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle('status-error', Boolean(isError));
  }

  // --- the query -------------------------------------------------------------------------------
  function query(cursor) {
    const params = new URLSearchParams({ scope: state.scope, limit: String(PAGE_SIZE) });
    const form = new FormData(filters);
    for (const name of ['process_id', 'state', 'q', 'sort']) {
      const value = String(form.get(name) || '').trim();
      if (value) params.set(name, value);
    }
    const day = form.get('due_before');
    if (day) params.set('due_before', `${day}T23:59:59${offsetOf(config.now)}`);
    if (cursor) params.set('cursor', cursor);
    return `/api/v1/tasks?${params}`;
  }

  function offsetOf(iso) {
    const match = /([+-]\d{2}:\d{2}|Z)$/.exec(iso || '');
    return match ? match[1] : '+08:00';
  }

  // Each query is numbered; an answer to any but the latest is dropped. Queries overlap (a tab clicked while
  // the first one runs) and answer in any order: drawn as they came, the last to answer would win, and an
  // answer older than a claim would show 认领 again on the claimed row.
  let latestQuery = 0;

  async function load(pageIndex = 0) {
    const number = ++latestQuery;
    say(t('loading'));
    rowsBody.setAttribute('aria-busy', 'true');
    try {
      const page = await api('GET', query(state.starts[pageIndex]));
      if (number !== latestQuery) return;
      state.starts = state.starts.slice(0, pageIndex + 1);
      state.next = page.next_cursor;
      state.page = pageIndex;
      render(page.items);
      say(t('shown', { n: page.items.length }));
    } catch (error) {
      if (number === latestQuery) say(t('loadFailed', { message: errorText(error) }), true);
    } finally {
      if (number === latestQuery) rowsBody.removeAttribute('aria-busy');
    }
  }

  // --- rendering ---------------------------------------------------------------------------------
  function render(items) {
    state.tasks = new Map(items.map((task) => [task.id, task]));
    rowsBody.replaceChildren(...items.map(row));
    $('#task-empty').hidden = items.length > 0;
    $('#page-next').hidden = !state.next;
    $('#page-first').hidden = state.page === 0;
    $('#page-number').textContent = state.page > 0 || state.next ? t('page', { n: state.page + 1 }) : '';
  }

  function cell(label, ...children) {
    return el('td', { 'data-label': label }, ...children);
  }

  function row(task) {
    const labels = strings.labels;
    const due = dueState(task.due_at);
    const caseLink = el('a', { href: `/instances/${task.instance_id}` },
      `${task.process_name || task.process_id} #${task.instance_id}`);
    const ticket = task.ticket_no ? el('div', { class: 'muted small', text: `${t('ticket')} ${task.ticket_no}` }) : null;
    const assignee = task.assignee || (task.state === 'ready' ? t('ready') : '—');
    const dueCell = task.due_at
      ? [el('span', { class: `due due-${due}`, text: shortTime(task.due_at) }),
        due === 'ok' ? null : el('span', { class: `due-flag due-flag-${due}`, text: t(due) })]
      : [el('span', { class: 'muted', text: t('noDue') })];
    const tr = el('tr', { 'data-task-id': task.id, class: due === 'overdue' ? 'row-overdue' : null },
      cell(labels.task, el('a', { href: `/tasks/${task.id}`, class: 'task-name' }, task.name),
        el('span', { class: `badge badge-${task.state}`, text: t(task.state) })),
      cell(labels.case, caseLink, ticket),
      cell(labels.group, (task.groups || []).join('、') || task.candidate_user || '—'),
      cell(labels.assignee, el('span', { class: task.assignee ? null : 'muted', text: assignee })),
      cell(labels.due, ...dueCell),
      cell(labels.created, shortTime(task.created_at)),
      cell(labels.actions, actions(task)));
    return tr;
  }

  function actions(task) {
    const box = el('div', { class: 'row-actions' });
    if (task.may_work && !task.assignee) {
      box.append(el('button', { type: 'button', class: 'primary', 'data-action': 'claim', text: t('claim') }));
    } else if (task.may_work && task.assignee === config.username) {
      box.append(el('button', { type: 'button', 'data-action': 'unclaim', text: t('unclaim') }));
    }
    box.append(el('a', { class: 'button-link', href: `/tasks/${task.id}`,
      text: task.may_work ? t('open') : t('view') }));
    return box;
  }

  // --- claim and unclaim without reloading the page -------------------------------------------------
  rowsBody.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const tr = button.closest('tr');
    const task = state.tasks.get(tr.dataset.taskId);
    const action = button.dataset.action;
    button.disabled = true;
    try {
      const updated = await api('POST', `/api/v1/tasks/${task.id}/${action}`);
      Object.assign(task, updated);
      say(t(action === 'claim' ? 'claimedOk' : 'unclaimedOk', { name: task.name }));
    } catch (error) {
      say(t('failed', { message: errorText(error) }), true);
      try { Object.assign(task, await api('GET', `/api/v1/tasks/${task.id}`)); } catch (ignored) { /* gone */ }
    }
    const fresh = row(task);
    tr.replaceWith(fresh);
    (fresh.querySelector('button[data-action]') || fresh.querySelector('a.task-name')).focus();
    refreshCounts();
  });

  // --- tabs (arrow keys move between them, as the ARIA tabs pattern says) ----------------------------
  function select(tab, focus) {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute('aria-selected', String(on));
      other.tabIndex = on ? 0 : -1;
    }
    $('#task-panel').setAttribute('aria-labelledby', tab.id);
    if (focus) tab.focus();
    state.scope = tab.dataset.scope;
    history.replaceState(null, '', `#${state.scope}`);
    state.starts = [null];
    load(0);
  }

  tabs.forEach((tab, index) => {
    tab.addEventListener('click', () => select(tab, false));
    tab.addEventListener('keydown', (event) => {
      const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: tabs.length - 1 - index };
      if (!(event.key in moves)) return;
      event.preventDefault();
      select(tabs[(index + moves[event.key] + tabs.length) % tabs.length], true);
    });
  });

  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    state.starts = [null];
    load(0);
  });
  filters.addEventListener('reset', () => setTimeout(() => { state.starts = [null]; load(0); }));
  for (const name of ['process_id', 'state', 'sort', 'due_before']) {
    filters.elements[name].addEventListener('change', () => { state.starts = [null]; load(0); });
  }
  $('#page-next').addEventListener('click', () => {
    state.starts.push(state.next);
    load(state.starts.length - 1).then(() => $('#task-caption').scrollIntoView({ block: 'nearest' }));
  });
  $('#page-first').addEventListener('click', () => load(0));

  // --- counts per tab, every 30 s and after each action -------------------------------------------
  async function refreshCounts() {
    try {
      const counts = await api('GET', '/api/v1/tasks/counts');
      for (const [scope, count] of Object.entries(counts)) {
        const open = document.querySelector(`[data-count="${scope}"]`);
        const overdue = document.querySelector(`[data-overdue="${scope}"]`);
        if (open) open.textContent = String(count.open);
        if (overdue) {
          overdue.hidden = !count.overdue;
          overdue.textContent = t('overdueCount', { n: count.overdue });
        }
      }
      return counts;
    } catch (error) {
      return null;
    }
  }

  async function fillProcesses() {
    try {
      const { items } = await api('GET', '/api/v1/processes');
      const select = filters.elements.process_id;
      for (const process of items) select.append(el('option', { value: process.process_id, text: process.name }));
    } catch (error) { /* the filter stays at 全部流程 */ }
  }

  async function start() {
    fillProcesses();
    const counts = await refreshCounts();
    const wanted = tabs.find((tab) => `#${tab.dataset.scope}` === location.hash);
    // Nothing of mine yet: open the first tab that has work (部门待办, then 全部).
    const fallback = counts?.mine?.open === 0
      ? tabs.find((tab) => tab.dataset.scope !== 'mine' && counts[tab.dataset.scope]?.open > 0) : null;
    const tab = wanted || fallback || tabs[0];
    for (const other of tabs) other.setAttribute('aria-selected', String(other === tab));
    select(tab, false);
    setInterval(refreshCounts, REFRESH_MS);
  }

  start();
})();
