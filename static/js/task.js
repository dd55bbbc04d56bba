// /tasks/<id>: the task's form (form-js) prefilled from the case, 提交 with the server's errors shown at
// their fields, claim and unclaim, and the diagram with this step highlighted.
(function () {
  const { config, t, errorText, showDiagram } = window.WuyeFlowTasks;
  const { api } = window.WuyeFlow;
  const task = config.task;
  const $ = (selector) => document.querySelector(selector);
  let form = null;
  let keyToId = {};

  function status(message, isError) {
    const node = $('#submit-status');
    if (!node) return;
    node.textContent = message;
    node.classList.toggle('status-error', Boolean(isError));
  }

  // --- the form --------------------------------------------------------------------------------
  /** Dotted data path of each input component (groups with a `path` nest their fields) -> component id. */
  function fieldIds(components, prefix = '') {
    const ids = {};
    for (const component of components || []) {
      const path = component.path ? `${prefix}${component.path}.` : prefix;
      if (component.key) ids[`${prefix}${component.key}`] = component.id;
      if (component.components) Object.assign(ids, fieldIds(component.components, path));
    }
    return ids;
  }

  /** The case data for the form's own keys only (a form never sees the rest of the case). */
  function prefill(data, schema) {
    const roots = new Set(Object.keys(fieldIds(schema.components)).map((key) => key.split('.')[0]));
    return Object.fromEntries(Object.entries(data || {}).filter(([key]) => roots.has(key)));
  }

  async function loadForm() {
    const container = $('#task-form');
    try {
      const detail = await api('GET', `/api/v1/tasks/${task.id}`);
      container.replaceChildren();
      form = new WuyeFlowForms.Form({ container, language: config.language, properties: { readOnly: !config.mayWork } });
      await form.importSchema(detail.form, prefill(detail.instance_data, detail.form));
      keyToId = fieldIds(detail.form.components);
      form.on('changed', clearChangedErrors);
    } catch (error) {
      container.textContent = t('formFailed', { message: errorText(error) });
    } finally {
      container.removeAttribute('aria-busy');
    }
  }

  // Server-side errors: form-js has no public API to show errors it did not find itself, so they are
  // written under the field (same look as form-js's own) and cleared when that field changes.
  let lastData = {};

  function fieldNode(componentId) {
    const domId = `fjs-form-${form._id}-${componentId}`;
    const input = document.getElementById(domId) || document.querySelector(`[id^="${domId}"]`);
    return input ? { input, wrapper: input.closest('.fjs-form-field') || input.parentElement } : null;
  }

  function showServerErrors(errors) {
    clearServerErrors();
    const general = [];
    let first = null;
    for (const [key, messages] of Object.entries(errors || {})) {
      const list = Array.isArray(messages) ? messages : [String(messages)];
      const componentId = keyToId[key] || keyToId[key.replace(/\.\d+(?=\.|$)|\[\d+\]/g, '')];
      const node = form && componentId ? fieldNode(componentId) : null;
      if (!node) { general.push(`${key}: ${list.join(' ')}`); continue; }
      const box = document.createElement('div');
      box.className = 'fjs-form-field-error wf-server-error';
      box.id = `wf-error-${componentId}`;
      box.dataset.key = key;
      const ul = document.createElement('ul');
      for (const message of list) { const li = document.createElement('li'); li.textContent = message; ul.append(li); }
      box.append(ul);
      node.wrapper.classList.add('fjs-has-errors');
      node.wrapper.append(box);
      node.input.setAttribute('aria-invalid', 'true');
      const described = (node.input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
      node.input.setAttribute('aria-describedby', [...described, box.id].join(' '));
      first = first || node.input;
    }
    const banner = $('#form-errors');
    banner.replaceChildren(document.createTextNode(t('serverErrors')));
    if (general.length) {
      const ul = document.createElement('ul');
      for (const line of general) { const li = document.createElement('li'); li.textContent = line; ul.append(li); }
      banner.append(ul);
    }
    banner.hidden = false;
    (first || banner).focus?.();
    lastData = form ? { ...form._getState().data } : {};
  }

  function clearServerErrors(onlyKeys) {
    for (const box of document.querySelectorAll('.wf-server-error')) {
      if (onlyKeys && !onlyKeys.has(box.dataset.key.split('.')[0])) continue;
      const wrapper = box.parentElement;
      box.remove();
      if (wrapper && !wrapper.querySelector('.fjs-form-field-error')) wrapper.classList.remove('fjs-has-errors');
    }
    if (!document.querySelector('.wf-server-error')) $('#form-errors').hidden = true;
  }

  function clearChangedErrors({ data }) {
    const changed = new Set(Object.keys(data).filter((key) => JSON.stringify(data[key]) !== JSON.stringify(lastData[key])));
    if (changed.size) clearServerErrors(changed);
    lastData = { ...data };
  }

  // --- 提交 ------------------------------------------------------------------------------------
  async function submit() {
    let data;
    if (form) {
      const result = form.submit();
      if (Object.keys(result.errors).length) {
        status(t('fixFields'), true);
        document.querySelector('.fjs-has-errors input, .fjs-has-errors textarea, .fjs-has-errors select')?.focus();
        return;
      }
      data = result.data;
    } else {
      data = { comment: $('#task-comment').value };
    }
    const button = $('#submit-task');
    button.disabled = true;
    status(t('submitting'));
    try {
      await api('POST', `/api/v1/tasks/${task.id}/complete`, { data });
      window.location.assign(config.doneUrl);
    } catch (error) {
      button.disabled = false;
      if (error.status === 422) {
        status(t('fixFields'), true);
        showServerErrors(error.body.errors);
      } else {
        status(t('conflict', { message: errorText(error) }), true);
      }
    }
  }

  // --- 认领 / 退回 -------------------------------------------------------------------------------
  async function claimOrUnclaim(action) {
    try {
      const updated = await api('POST', `/api/v1/tasks/${task.id}/${action}`);
      task.assignee = updated.assignee;
      $('#task-assignee').textContent = updated.assignee || '—';
      $('#task-state').textContent = t(updated.state);
      $('#task-state').className = `badge badge-${updated.state}`;
      $('#claim-button').hidden = Boolean(updated.assignee);
      $('#unclaim-button').hidden = updated.assignee !== config.username;
      (updated.assignee ? $('#unclaim-button') : $('#claim-button')).focus();
      status(t(action === 'claim' ? 'claimedOk' : 'unclaimedOk'));
    } catch (error) {
      status(t('failed', { message: errorText(error) }), true);
    }
  }

  $('#submit-task')?.addEventListener('click', submit);
  $('#claim-button')?.addEventListener('click', () => claimOrUnclaim('claim'));
  $('#unclaim-button')?.addEventListener('click', () => claimOrUnclaim('unclaim'));
  if ($('#task-form')) loadForm();

  showDiagram($('#diagram'), config.bpmnUrl, { current: config.current, finished: config.finished })
    .then(() => { document.body.dataset.diagramReady = 'true'; })
    .catch((error) => { $('#diagram').textContent = t('diagramFailed', { message: errorText(error) }); });
})();
