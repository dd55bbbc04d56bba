// The form-js editor in a dialog of the modeler page: edit a form the diagram names, hand it back to the draft.
// The editor bundle is large, so it is loaded the first time a form is opened.
(function () {
  const $ = (id) => document.getElementById(id);
  const script = document.currentScript;
  let editor = null;
  let loading = null;

  function loadBundle() {
    if (window.WuyeFlowForms && window.WuyeFlowForms.FormEditor) return Promise.resolve();
    loading ||= new Promise((resolve, reject) => {
      const css = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: script.dataset.css });
      const js = Object.assign(document.createElement('script'), { src: script.dataset.js });
      js.onload = resolve;
      js.onerror = () => reject(new Error('form editor failed to load'));
      document.head.append(css, js);
    });
    return loading;
  }

  async function deployedSchema(formId) {
    try {
      return await window.WuyeFlow.api('GET', `/api/v1/forms/${encodeURIComponent(formId)}`);
    } catch (error) {
      if (error.status !== 404) throw error;
      return { type: 'default', id: formId, schemaVersion: 19, components: [] };
    }
  }

  /** Open the editor on `schema` (or the deployed form); resolves with the new schema, or null when unchanged. */
  async function open(formId, schema) {
    await loadBundle();
    const dialog = $('wf-form-dialog');
    $('wf-form-id').textContent = formId;
    editor ||= new WuyeFlowForms.FormEditor({ container: $('wf-form-editor') });
    await editor.importSchema(schema || await deployedSchema(formId));
    const before = JSON.stringify(editor.saveSchema());
    dialog.showModal();
    return new Promise((resolve) => {
      const finish = (result) => {
        $('wf-form-apply').onclick = null;
        $('wf-form-cancel').onclick = null;
        dialog.onclose = null;
        if (dialog.open) dialog.close();
        resolve(result);
      };
      $('wf-form-apply').onclick = () => {
        const after = editor.saveSchema();
        finish(JSON.stringify(after) === before ? null : { ...after, id: formId });
      };
      $('wf-form-cancel').onclick = () => finish(null);
      dialog.onclose = () => finish(null);
    });
  }

  window.WuyeFlowFormDialog = { open, get editor() { return editor; } };
})();
