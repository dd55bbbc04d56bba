// node --test: the WuyeFlow bpmnlint rules on the diagrams the browser tests use too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(HERE, '..', 'package.json'));
const { Linter } = require('bpmnlint');
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');
const { BpmnModdle } = await import('bpmn-moddle');
const camunda = require('camunda-bpmn-moddle/resources/camunda.json');

const DATA = path.join(HERE, '..', '..', 'tests', 'frontend', 'data');
const CONFIG = JSON.parse(readFileSync(path.join(HERE, '..', '.bpmnlintrc'), 'utf8'));

async function lint(xml, extensions = { camunda }) {
  const { rootElement } = await new BpmnModdle(extensions).fromXML(xml);
  const linter = new Linter({ config: CONFIG, resolver: new NodeResolver({ require }) });
  const reports = await linter.lint(rootElement);
  return Object.entries(reports)
    .filter(([ rule ]) => rule.startsWith('wuyeflow/'))
    .flatMap(([ rule, items ]) => items.map((item) => `${rule} ${item.id} ${item.category}`))
    .sort();
}

const diagram = (name) => readFileSync(path.join(DATA, name), 'utf8');

test('a clean diagram has no issues at all', async () => {
  const { rootElement } = await new BpmnModdle({ camunda }).fromXML(diagram('simple_di.bpmn'));
  const reports = await new Linter({ config: CONFIG, resolver: new NodeResolver({ require }) }).lint(rootElement);
  assert.deepEqual(reports, {});
});

for (const extensions of [ { camunda }, {} ]) {
  test(`every WuyeFlow rule fires (camunda moddle ${extensions.camunda ? 'loaded' : 'absent'})`, async () => {
    assert.deepEqual(await lint(diagram('lint_violations.bpmn'), extensions), [
      'wuyeflow/no-reserved-ids Start error',
      'wuyeflow/no-script-task compute error',
      'wuyeflow/no-service-task notify error',
      'wuyeflow/user-task-lane Start warn'
    ]);
  });
}

test('a user task outside lanes is fine with candidate groups or an assignee', async () => {
  for (const attr of [ 'camunda:candidateGroups="desk"', 'camunda:assignee="${starter}"' ]) {
    const xml = diagram('lint_violations.bpmn').replace('<bpmn:userTask id="Start"', `<bpmn:userTask id="Start" ${attr}`);
    assert.deepEqual((await lint(xml)).filter((r) => r.includes('user-task-lane')), [], attr);
  }
});

test('End and Root are reserved too, other ids are not', async () => {
  const xml = diagram('lint_violations.bpmn').replaceAll('"Start"', '"Root"').replace('id="end_1"', 'id="End"')
    .replace('targetRef="end_1"', 'targetRef="End"').replace('bpmnElement="end_1"', 'bpmnElement="End"');
  const ids = (await lint(xml)).filter((r) => r.includes('no-reserved-ids'));
  assert.deepEqual(ids, [ 'wuyeflow/no-reserved-ids End error', 'wuyeflow/no-reserved-ids Root error' ]);
});

test('a user task in a sub-process inside a lane counts as in the lane', async () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="工程部"><bpmn:flowNodeRef>sub</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:subProcess id="sub"><bpmn:userTask id="inner" name="维修" /></bpmn:subProcess>
    <bpmn:userTask id="outside" name="回访" />
  </bpmn:process>
</bpmn:definitions>`;
  assert.deepEqual((await lint(xml)).filter((r) => r.includes('user-task-lane')), [ 'wuyeflow/user-task-lane outside warn' ]);
});
