// window.WuyeFlowModeler: bpmn-js Modeler + Camunda 7 properties panel + bpmnlint with WuyeFlow rules.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule
} from 'bpmn-js-properties-panel';
import CamundaPlatformBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdleDescriptor from 'camunda-bpmn-moddle/resources/camunda.json';
import LintingModule from 'bpmn-js-bpmnlint';

import lintConfig from '../.bpmnlintrc';

const MODULES = [
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
  CamundaPlatformBehaviorsModule,
  LintingModule
];

/**
 * Create a Modeler in `container`, its properties panel in `propertiesContainer`.
 *
 * options: any bpmn-js option, plus `lint` (default true: show lint overlays from the start).
 * additionalModules and moddleExtensions given here are added to ours.
 */
function create(container, propertiesContainer, options = {}) {
  const {
    lint = true,
    additionalModules = [],
    moddleExtensions = {},
    linting = {},
    propertiesPanel = {},
    ...rest
  } = options;

  return new BpmnModeler({
    ...rest,
    container,
    propertiesPanel: propertiesContainer ? { parent: propertiesContainer, ...propertiesPanel } : propertiesPanel,
    linting: { bpmnlint: lintConfig, active: lint, ...linting },
    additionalModules: [ ...MODULES, ...additionalModules ],
    moddleExtensions: { camunda: camundaModdleDescriptor, ...moddleExtensions }
  });
}

window.WuyeFlowModeler = Object.freeze({
  create,
  Modeler: BpmnModeler,
  lintConfig,
  versions: __WUYEFLOW_VERSIONS__
});
