// window.WuyeFlowForms.FormEditor: the form-js editor analysts use to design forms.
import { FormEditor, createFormEditor, schemaVersion } from '@bpmn-io/form-js-editor';

window.WuyeFlowForms = Object.freeze({
  ...(window.WuyeFlowForms || {}),
  FormEditor,
  createFormEditor,
  schemaVersion,
  versions: __WUYEFLOW_VERSIONS__
});
