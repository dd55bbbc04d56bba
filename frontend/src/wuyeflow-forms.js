// window.WuyeFlowForms.Form: the form-js viewer that staff fill in (schemaVersion 19).
import { Form, createForm, schemaVersion } from '@bpmn-io/form-js-viewer';

window.WuyeFlowForms = Object.freeze({
  ...(window.WuyeFlowForms || {}),
  Form,
  createForm,
  schemaVersion,
  versions: __WUYEFLOW_VERSIONS__
});
