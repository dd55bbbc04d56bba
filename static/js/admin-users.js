// /admin/users: list users with role, departments and compounds; create, change, deactivate.
(function () {
  const $ = (id) => document.getElementById(id);
  const S = JSON.parse($('wf-strings').textContent);
  const { api, escapeHtml } = window.WuyeFlow;
  const t = (text, params = {}) => text.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  const list = (text) => text.split(/[,，、]/).map((s) => s.trim()).filter(Boolean);

  function say(message, kind = 'info') {
    const el = $('wf-admin-status');
    el.className = `flash flash-${kind}`;
    el.textContent = message;
    el.hidden = !message;
  }
  const fail = (error) => say(t(S.error, { message: error.message || error })
    + (error.body && error.body.errors && !Array.isArray(error.body.errors) ? ` ${JSON.stringify(error.body.errors)}` : ''),
  'error');

  function roleSelect(user) {
    return `<select data-field="role" aria-label="${escapeHtml(user.username)}">${Object.entries(S.roles).map(([code, label]) =>
      `<option value="${code}"${code === user.role ? ' selected' : ''}>${escapeHtml(label)}</option>`).join('')}</select>`;
  }

  function row(user) {
    const name = escapeHtml(user.username);
    return `<tr data-user="${name}" class="${user.active ? '' : 'user-inactive'}">
      <th scope="row">${name}</th><td>${roleSelect(user)}</td>
      <td><input class="inline-input" data-field="groups" list="wf-known-groups" value="${escapeHtml(user.groups.join(', '))}"
        title="${escapeHtml(S.groupsHint)}" aria-label="${name}"></td>
      <td><input class="inline-input" data-field="compounds" value="${escapeHtml(user.compounds.join(', '))}" aria-label="${name}"></td>
      <td>${escapeHtml(user.active ? S.active : S.inactive)}</td>
      <td class="row-actions"><button type="button" data-action="save">${escapeHtml(S.save)}</button>
        <button type="button" data-action="${user.active ? 'deactivate' : 'activate'}">
          ${escapeHtml(user.active ? S.deactivate : S.activate)}</button></td></tr>`;
  }

  async function load() {
    const { items, known_groups: groups } = await api('GET', '/api/v1/users');
    $('wf-users').tBodies[0].innerHTML = items.map(row).join('');
    $('wf-known-groups').innerHTML = groups.map((g) => `<option value="${escapeHtml(g)}">`).join('');
  }

  $('wf-users').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const tr = button.closest('tr');
    const username = tr.dataset.user;
    const field = (name) => tr.querySelector(`[data-field="${name}"]`).value;
    let body;
    if (button.dataset.action === 'save') {
      body = { role: field('role'), groups: list(field('groups')), compounds: list(field('compounds')) };
    } else if (button.dataset.action === 'deactivate') {
      if (!window.confirm(t(S.confirmDeactivate, { user: username }))) return;
      body = { active: false };
    } else {
      body = { active: true };
    }
    api('PATCH', `/api/v1/users/${encodeURIComponent(username)}`, body)
      .then(() => { say(t(S.saved, { user: username }), 'ok'); return load(); }).catch(fail);
  });

  $('wf-new-user').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.target;
    const body = { username: form.username.value.trim(), password: form.password.value, role: form.role.value,
      groups: list(form.groups.value), compounds: list(form.compounds.value) };
    api('POST', '/api/v1/users', body)
      .then(() => { say(t(S.created, { user: body.username }), 'ok'); form.reset(); return load(); }).catch(fail);
  });

  load().catch(fail);
})();
