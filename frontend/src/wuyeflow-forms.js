// window.WuyeFlowForms.Form: the form-js viewer that staff fill in (schemaVersion 19), with
//  - the browser's own date and time inputs for `datetime` fields (src/forms/datetime-field.js), and
//  - form-js's words in the page's language: `new Form({ container, language: 'zh_CN' })`; without
//    `language`, the page's <html lang> decides (zh-CN: Chinese, anything else: form-js's English).
import { Form as FormJsForm, schemaVersion } from '@bpmn-io/form-js-viewer';

import { nativeDatetimeModule } from './forms/datetime-field.js';
import { isChinese, translationsModule } from './forms/translations.js';

function pageLanguage() {
  return (typeof document !== 'undefined' && document.documentElement.lang) || 'en';
}

class Form extends FormJsForm {
  constructor(options = {}) {
    const language = options.language || pageLanguage();
    super({
      ...options,
      additionalModules: [ nativeDatetimeModule, translationsModule(language), ...(options.additionalModules || []) ]
    });
    this.language = isChinese(language) ? 'zh_CN' : 'en';
  }
}

/** form-js's createForm, with this Form. */
async function createForm(options) {
  const { data, schema, ...formOptions } = options;
  const form = new Form(formOptions);
  await form.importSchema(schema, data);
  return form;
}

window.WuyeFlowForms = Object.freeze({
  ...(window.WuyeFlowForms || {}),
  Form,
  createForm,
  schemaVersion,
  versions: __WUYEFLOW_VERSIONS__
});
