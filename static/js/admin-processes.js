// /admin/processes: versions with running instances, submitted drafts and uploads with their diff, deploy.
(function () {
  const $ = (id) => document.getElementById(id);
  const S = JSON.parse($('wf-strings').textContent);
  const { api, escapeHtml } = window.WuyeFlow;
  const { render, t } = window.WuyeFlowDiff;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
  const when = (iso) => (iso ? iso.slice(0, 16).replace('T', ' ') : '');

  function say(message, kind = 'info') {
    const el = $('wf-admin-status');
    el.className = `flash flash-${kind}`;
    el.textContent = message;
    el.hidden = !message;
  }
  const fail = (error) => say(t(S.error, { message: error.message || error }), 'error');

  async function loadProcesses() {
    const { items } = await api('GET', '/api/v1/processes');
    $('wf-processes').tBodies[0].innerHTML = items.length ? items.map((p) => {
      const head = `<tr class="process-row" data-process="${escapeHtml(p.process_id)}"><td colspan="4">`
        + `${escapeHtml(p.name)} <code>${escapeHtml(p.process_id)}</code> `
        + `<a href="/modeler/${encodeURIComponent(p.process_id)}">${escapeHtml(S.open)}</a></td>`
        + `<td class="num">${p.versions.reduce((n, v) => n + v.running_instances, 0)}</td></tr>`;
      const rows = p.versions.slice().reverse().map((v) => `<tr data-version="${escapeHtml(p.process_id)}:${v.version}">
        <td><a href="/modeler/${encodeURIComponent(p.process_id)}?version=${v.version}" title="${escapeHtml(S.open)}">`
          + `${escapeHtml(S.version)} ${v.version}</a>${v.version === p.latest_version
          ? ` <span class="badge">${escapeHtml(S.latest)}</span>` : ''}</td>
        <td>${escapeHtml(when(v.created_at))}</td><td>${escapeHtml(v.deployed_by)}</td>
        <td>${escapeHtml(v.note || '')}</td><td class="num running">${v.running_instances}</td></tr>`).join('');
      return head + rows;
    }).join('') : `<tr><td colspan="5" class="muted">${escapeHtml(S.noProcesses)}</td></tr>`;
  }

  function deployRow(id, note) {
    return `<div class="deploy-row"><input id="${id}-note" value="${escapeHtml(note || '')}" maxlength="500"
      placeholder="${escapeHtml(S.note)}" aria-label="${escapeHtml(S.note)}"><button type="button" class="primary" id="${id}-deploy">`
      + `${escapeHtml(S.deploy)}</button></div>`;
  }

  function deployedMessage(result) {
    return t(result.created ? S.deployed : S.unchanged, { process: result.process_id, version: result.version });
  }

  // --- submitted drafts ---------------------------------------------------------------------------------
  async function loadSubmitted() {
    const { items } = await api('GET', '/api/v1/drafts?status=submitted');
    const box = $('wf-submitted');
    if (!items.length) {
      box.innerHTML = `<p class="muted">${escapeHtml(S.noSubmitted)}</p>`;
      return;
    }
    box.innerHTML = items.map((d) => `<article class="submitted-draft" data-draft="${d.id}">
      <p><strong>#${d.id} ${escapeHtml(d.name)}</strong> <code>${escapeHtml(d.process_id)}</code>
      · ${escapeHtml(t(S.draftBy, { author: d.updated_by }))} ${escapeHtml(when(d.updated_at))}
      · <a href="/modeler/${encodeURIComponent(d.process_id)}?draft=${d.id}">${escapeHtml(S.open)}</a></p>
      ${d.note ? `<p>${escapeHtml(d.note)}</p>` : ''}
      <div id="draft-${d.id}-diff"><p class="muted">${escapeHtml(S.loading)}</p></div></article>`).join('<hr>');
    await Promise.all(items.map(showDraftDiff));
  }

  async function showDraftDiff(draft) {
    const id = `draft-${draft.id}`;
    const diff = await api('GET', `/api/v1/drafts/${draft.id}/diff`);
    $(`${id}-diff`).innerHTML = render(diff, S) + (diff.errors.length ? '' : deployRow(id, draft.note));
    $(`${id}-deploy`)?.addEventListener('click', () => deployDraft(draft.id).catch(fail));
  }

  async function deployDraft(draftId) {
    const button = $(`draft-${draftId}-deploy`);
    button.disabled = true;
    say(S.deploying);
    try {
      const result = await api('POST', `/api/v1/drafts/${draftId}/deploy`, { note: $(`draft-${draftId}-note`).value });
      say(deployedMessage(result), 'ok');
    } finally {
      button.disabled = false;
    }
    await Promise.all([loadProcesses(), loadSubmitted()]);
  }

  // --- uploaded files -------------------------------------------------------------------------------------
  async function postFiles(path, note) {
    const body = new FormData();
    const files = $('wf-upload-files').files;
    for (const file of files) body.append('files', file, file.name);
    if (note !== undefined) body.append('note', note);
    const resp = await fetch(path, { method: 'POST', body, credentials: 'same-origin',
      headers: { 'X-CSRFToken': csrf, Accept: 'application/json' } });
    const data = await resp.json();
    if (!resp.ok) { const error = new Error(data.message || resp.statusText); error.body = data; throw error; }
    return data;
  }

  async function uploadDiff() {
    if (!$('wf-upload-files').files.length) return say(S.chooseFiles, 'error');
    const diff = await postFiles('/api/v1/deployments/diff');
    $('wf-upload-result').innerHTML = render(diff, S) + (diff.errors.length ? '' : deployRow('upload', ''));
    $('upload-deploy')?.addEventListener('click', () => uploadDeploy().catch(fail));
  }

  async function uploadDeploy() {
    say(S.deploying);
    const result = await postFiles('/api/v1/deployments', $('upload-note').value);
    say(deployedMessage(result), 'ok');
    $('wf-upload-result').innerHTML = '';
    $('wf-upload').reset();
    await loadProcesses();
  }

  $('wf-upload-diff').addEventListener('click', () => uploadDiff().catch(fail));
  $('wf-upload-files').addEventListener('change', () => { $('wf-upload-result').innerHTML = ''; });
  say('');
  Promise.all([loadProcesses(), loadSubmitted()]).catch(fail);
})();
