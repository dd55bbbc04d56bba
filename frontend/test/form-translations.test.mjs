// node --test: the form-js texts src/forms/translations.js translates are still the ones form-js writes.
// A form-js upgrade that rewords one fails here instead of silently showing English on Chinese pages.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ZH_PATTERNS, ZH_TEXTS, translator } from '../src/forms/translations.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FORM_JS = readFileSync(
  path.join(HERE, '..', 'node_modules', '@bpmn-io', 'form-js-viewer', 'dist', 'index.es.js'), 'utf8');

// The literal parts of each pattern, as they appear in form-js's source (template literals included).
const PATTERN_SOURCES = [
  'Field must match pattern ${', 'Field must have minimum length of ${', 'Field must have maximum length of ${',
  'Field must have minimum value of ${', 'Field must have maximum value of ${', "'be an integer'",
  'have at most ${decimalDigits} decimal digit', 'the two nearest valid values are ${',
  '} files selected`', 'Expand all (${', 'Remove list item ${', '`Download ${', 'Click to sort by ${'
];

test('every English text translated is a text form-js 1.x writes', () => {
  const missing = Object.keys(ZH_TEXTS).filter((text) => !FORM_JS.includes(`'${text}'`) && !FORM_JS.includes(`"${text}"`));
  assert.deepEqual(missing, []);
  const gone = PATTERN_SOURCES.filter((source) => !FORM_JS.includes(source));
  assert.deepEqual(gone, []);
  assert.equal(ZH_PATTERNS.length, PATTERN_SOURCES.length + 1); // one source covers both sort directions
});

test('Chinese for zh-CN, the text itself otherwise', () => {
  const zh = translator('zh_CN');
  assert.equal(zh('Field is required.'), '此项为必填项。');
  assert.equal(zh('Field must have minimum length of 5.'), '至少需要 5 个字符。');
  assert.equal(zh('Field must match pattern ^1[3-9]\\d{9}$.'), '格式不正确。');
  assert.equal(zh('3 files selected'), '已选择 3 个文件');
  assert.equal(zh('业户姓名'), '业户姓名');
  assert.equal(translator('zh-CN')('Select'), '请选择');
  assert.equal(translator('en')('Field is required.'), 'Field is required.');
  assert.equal(translator('')('Select'), 'Select');
});
