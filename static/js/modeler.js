// /modeler: open a deployed version or a draft, edit it, validate on the server, save, hand to an admin.
(function () {
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($('wf-config').textContent);
  const S = JSON.parse($('wf-strings').textContent);
  const { api, escapeHtml } = window.WuyeFlow;
  const t = (text, params = {}) => text.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));

  const modeler = WuyeFlowModeler.create($('wf-canvas'), $('wf-props'));
  const state = { draft: null, basedOn: null, forms: {}, dirty: false, processes: [], message: '' };
  window.WuyeFlowModelerPage = { modeler, state };

  // --- status line ---------------------------------------------------------------------------------
  function say(message, kind = 'info') {
    state.message = message;
    state.kind = kind;
    renderStatus();
  }

  function renderStatus() {
    const parts = [];
    if (state.draft) {
      parts.push(t(S.draft, { id: state.draft.id }), S.status[state.draft.status] || state.draft.status);
    } else {
      parts.push(S.notSaved);
    }
    const based = state.draft ? state.draft.based_on_version : state.basedOn;
    if (based) parts.push(t(S.basedOn, { n: based }));
    if (state.dirty) parts.push(S.dirty);
    const el = $('wf-status');
    el.className = `modeler-status status-${state.kind || 'info'}`;
    el.innerHTML = `<strong>${escapeHtml(parts.join(' · '))}</strong>`
      + (state.message ? ` — <span>${escapeHtml(state.message)}</span>` : '');
  }

  function fail(error) {
    say(t(S.error, { message: error.message || error }), 'error');
    if (error.body && Array.isArray(error.body.errors) && error.body.errors.length) showProblems(error.body.errors);
  }

  // --- diagram in and out ----------------------------------------------------------------------------
  async function load(xml, { draft = null, basedOn = null, forms = {} } = {}) {
    clearProblems();
    const { warnings } = await modeler.importXML(xml);
    fit();
    Object.assign(state, { draft, basedOn, forms: { ...forms }, dirty: false });
    if (draft) {
      $('wf-note').value = draft.note || '';
      if (draft.status === 'deployed') say(t(S.deployedReadonly, { n: draft.deployed_version }), 'warn');
    }
    renderStatus();
    renderForms();
    return warnings;
  }

  function fit() {
    // fit the diagram, then widen the view by the palette's width so that it covers nothing
    const canvas = modeler.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
    if (canvas.zoom() > 1) return canvas.zoom(1, 'auto');  // a small diagram stays at natural size
    const box = canvas.viewbox();
    const pad = Math.min(140 / box.scale, box.width / 4);
    canvas.viewbox({ x: box.x - pad, y: box.y - pad / 4, width: box.width + pad * 1.2, height: box.height + pad / 2 });
  }

  function newDiagramXml() {
    const suffix = Math.random().toString(36).slice(2, 9);
    const name = escapeHtml(S.newProcessName);
    const start = escapeHtml(S.startEventName);
    return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_${suffix}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="Process_${suffix}" name="${name}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_${suffix}" name="${start}" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_${suffix}">
    <bpmndi:BPMNPlane id="BPMNPlane_${suffix}" bpmnElement="Process_${suffix}">
      <bpmndi:BPMNShape id="StartEvent_${suffix}_di" bpmnElement="StartEvent_${suffix}">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;
  }

  async function currentXml() {
    return (await modeler.saveXML({ format: true })).xml;
  }

  function processIdOnCanvas() {
    const root = modeler.get('canvas').getRootElement().businessObject;
    const process = root.$type === 'bpmn:Collaboration' ? (root.participants || [])[0]?.processRef : root;
    return (process && process.id) || 'process';
  }

  function confirmDiscard() {
    return !state.dirty || window.confirm(S.confirmDiscard);
  }

  // --- the toolbar's selects ---------------------------------------------------------------------------
  async function loadProcesses() {
    const { items } = await api('GET', '/api/v1/processes');
    state.processes = items;
    const select = $('wf-process');
    select.innerHTML = `<option value="">${escapeHtml(S.chooseProcess)}</option>` + items.map((p) =>
      `<option value="${escapeHtml(p.process_id)}">${escapeHtml(p.process_id)} — ${escapeHtml(p.name)}</option>`).join('');
    select.value = config.process_id || '';
    fillVersions();
  }

  function fillVersions(selected) {
    const process = state.processes.find((p) => p.process_id === $('wf-process').value);
    const select = $('wf-version');
    select.disabled = !process;
    select.innerHTML = process ? process.versions.slice().reverse().map((v) =>
      `<option value="${v.version}">${escapeHtml(t(S.version, { n: v.version }))}${
        v.version === process.latest_version ? escapeHtml(S.latest) : ''}</option>`).join('') : '';
    if (process) select.value = String(selected || config.version || process.latest_version);
  }

  async function loadDrafts() {
    const query = config.process_id ? `?process_id=${encodeURIComponent(config.process_id)}` : '';
    const { items } = await api('GET', `/api/v1/drafts${query}`);
    $('wf-draft').innerHTML = `<option value="">${escapeHtml(S.chooseDraft)}</option>` + items.map((d) =>
      `<option value="${d.id}">${escapeHtml(t(S.draftOption, {
        id: d.id, name: d.name, status: S.status[d.status] || d.status, author: d.author }))}</option>`).join('');
    if (state.draft) $('wf-draft').value = String(state.draft.id);
  }

  function go(processId, params) {
    const query = new URLSearchParams(params).toString();
    window.location.assign(`/modeler/${encodeURIComponent(processId)}${query ? `?${query}` : ''}`);
  }

  // --- server round trips -------------------------------------------------------------------------------
  async function save() {
    const body = { bpmn_xml: await currentXml(), forms: state.forms, note: $('wf-note').value };
    let draft;
    if (state.draft && state.draft.status !== 'deployed') {
      draft = await api('PUT', `/api/v1/drafts/${state.draft.id}`, body);
      say(S.saved, 'ok');
    } else {
      const based = state.draft ? state.draft.deployed_version : state.basedOn;
      draft = await api('POST', '/api/v1/drafts', { ...body, based_on_version: based || null });
      say(t(S.savedAs, { id: draft.id }), 'ok');
    }
    state.draft = draft;
    state.forms = { ...draft.forms };
    state.dirty = false;
    history.replaceState(null, '', `/modeler/${encodeURIComponent(draft.process_id)}?draft=${draft.id}`);
    renderStatus();
    await loadDrafts();
    return draft;
  }

  async function validate() {
    say(S.validating);
    const { errors } = await api('POST', '/api/v1/drafts/validate', { bpmn_xml: await currentXml(), forms: state.forms });
    showProblems(errors);
    say(errors.length ? t(S.problems, { n: errors.length }) : S.valid, errors.length ? 'error' : 'ok');
    return errors;
  }

  async function submit() {
    if (!state.draft || state.dirty || state.draft.status === 'deployed') await save();
    try {
      state.draft = await api('POST', `/api/v1/drafts/${state.draft.id}/submit`, { note: $('wf-note').value });
    } catch (error) {
      if (error.status === 422) {
        showProblems(error.body.errors || []);
        say(S.submitFailed, 'error');
        return;
      }
      throw error;
    }
    clearProblems();
    say(S.submitted, 'ok');
    await loadDrafts();
  }

  // --- problems, on the elements and in a list -------------------------------------------------------------
  function clearProblems() {
    const canvas = modeler.get('canvas');
    modeler.get('overlays').remove({ type: 'wf-problem' });
    modeler.get('elementRegistry').forEach((element) => canvas.removeMarker(element, 'wf-error'));
    $('wf-problems').innerHTML = '';
  }

  function showProblems(errors) {
    clearProblems();
    const registry = modeler.get('elementRegistry');
    const byElement = {};
    errors.forEach((e) => { if (e.element && registry.get(e.element)) (byElement[e.element] ||= []).push(e.message); });
    Object.entries(byElement).forEach(([id, messages]) => {
      modeler.get('canvas').addMarker(id, 'wf-error');
      modeler.get('overlays').add(id, 'wf-problem', {
        position: { top: -10, right: 10 },
        html: `<span class="wf-problem-badge" title="${escapeHtml(messages.join('\n'))}">${messages.length}</span>`,
      });
    });
    $('wf-problems').innerHTML = errors.map((e) => {
      const where = e.element
        ? `<button type="button" class="link" data-element="${escapeHtml(e.element)}">${escapeHtml(e.element)}</button>`
        : `<span>${escapeHtml(S.wholeFile)}</span>`;
      const line = e.line ? ` <span class="muted">${escapeHtml(e.file)} · ${escapeHtml(t(S.line, { n: e.line }))}</span>` : '';
      return `<li>${where}${line}: ${escapeHtml(e.message)}</li>`;
    }).join('');
    $('wf-problems-summary').textContent = errors.length ? t(S.problems, { n: errors.length }) : S.valid;
  }

  $('wf-problems').addEventListener('click', (event) => {
    const id = event.target.closest('[data-element]')?.dataset.element;
    const element = id && modeler.get('elementRegistry').get(id);
    if (!element) return;
    const canvas = modeler.get('canvas');
    $('wf-canvas').scrollIntoView({ block: 'nearest' });
    if (canvas.zoom() < 0.8) canvas.zoom(1);
    const box = canvas.viewbox();  // centre the element (scrollToElement leaves it under the palette)
    const x = element.x + (element.width || 0) / 2;
    const y = element.y + (element.height || 0) / 2;
    canvas.viewbox({ x: x - box.width / 2, y: y - box.height / 2, width: box.width, height: box.height });
    modeler.get('selection').select(element);
  });

  // --- forms the diagram's user tasks name ------------------------------------------------------------------
  function formRefs() {
    const refs = {};
    modeler.get('elementRegistry').filter((e) => e.type === 'bpmn:UserTask').forEach((e) => {
      const bo = e.businessObject;
      const id = (bo.get('camunda:formRef') || bo.get('camunda:formKey') || '').trim();
      if (id && /^[A-Za-z_][\w.-]*$/.test(id)) (refs[id] ||= []).push(bo.name || bo.id);
    });
    return refs;
  }

  function renderForms() {
    const refs = formRefs();
    const ids = Object.keys(refs).sort();
    $('wf-forms').innerHTML = ids.length ? ids.map((id) => `<li>
        <button type="button" data-form="${escapeHtml(id)}">${escapeHtml(S.editForm)}</button>
        <code>${escapeHtml(id)}</code>${state.forms[id] ? ` <span class="badge">${escapeHtml(S.formInDraft)}</span>` : ''}
        <span class="muted">${escapeHtml(t(S.usedBy, { tasks: refs[id].join('、') }))}</span></li>`).join('')
      : `<li class="muted">${escapeHtml(S.noForms)}</li>`;
  }

  $('wf-forms').addEventListener('click', (event) => {
    const id = event.target.closest('[data-form]')?.dataset.form;
    if (id) window.WuyeFlowFormDialog.open(id, state.forms[id]).then((schema) => {
      if (!schema) return say(S.formUnchanged);
      state.forms[id] = schema;
      state.dirty = true;
      renderForms();
      say(t(S.formApplied, { id }), 'ok');
    }).catch(fail);
  });

  // --- wiring -----------------------------------------------------------------------------------------------
  let formsTimer;
  modeler.on('commandStack.changed', () => {
    state.dirty = true;
    renderStatus();
    clearTimeout(formsTimer);
    formsTimer = setTimeout(renderForms, 300);
  });
  window.addEventListener('beforeunload', (event) => { if (state.dirty) event.preventDefault(); });

  const click = (id, handler) => $(id).addEventListener('click', () => handler().catch(fail));
  click('wf-save', save);
  click('wf-validate', validate);
  click('wf-submit', submit);
  click('wf-open', async () => {
    const processId = $('wf-process').value;
    if (processId && confirmDiscard()) { state.dirty = false; go(processId, { version: $('wf-version').value }); }
  });
  click('wf-new', async () => {
    if (!confirmDiscard()) return;
    history.replaceState(null, '', '/modeler');
    await load(newDiagramXml());
  });
  click('wf-export', async () => {
    const blob = new Blob([await currentXml()], { type: 'application/xml' });
    const link = Object.assign(document.createElement('a'), {
      href: URL.createObjectURL(blob), download: `${processIdOnCanvas()}.bpmn` });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  });
  $('wf-process').addEventListener('change', () => fillVersions());
  $('wf-draft').addEventListener('change', (event) => {
    const id = event.target.value;
    if (!id || !confirmDiscard()) return;
    api('GET', `/api/v1/drafts/${id}`).then((draft) => { state.dirty = false; go(draft.process_id, { draft: id }); })
      .catch(fail);
  });
  $('wf-import').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    event.target.value = '';
    if (!file || !confirmDiscard()) return;
    try {
      const warnings = await load(await file.text());
      history.replaceState(null, '', '/modeler');
      say(warnings.length ? t(S.importWarnings, { n: warnings.length }) : t(S.imported, { name: file.name }),
        warnings.length ? 'warn' : 'ok');
    } catch (error) {
      say(t(S.importFailed, { message: error.message }), 'error');
    }
  });

  async function start() {
    say(S.loading);
    await loadProcesses();
    if (config.draft_id) {
      const draft = await api('GET', `/api/v1/drafts/${config.draft_id}`);
      await load(draft.bpmn_xml, { draft, forms: draft.forms });
    } else if (config.process_id && state.processes.some((p) => p.process_id === config.process_id)) {
      const version = Number($('wf-version').value);
      const resp = await fetch(`/api/v1/processes/${encodeURIComponent(config.process_id)}/versions/${version}/bpmn`,
        { credentials: 'same-origin' });
      if (!resp.ok) throw new Error(resp.statusText);
      await load(await resp.text(), { basedOn: version });
    } else {
      await load(newDiagramXml());
    }
    if (!state.draft || state.draft.status !== 'deployed') say('');
    await loadDrafts();
    document.body.dataset.modelerReady = 'true';
  }
  start().catch(fail);
})();
