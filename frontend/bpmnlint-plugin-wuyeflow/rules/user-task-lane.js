// Someone must be able to pick up a user task: a lane (department) or a camunda assignment.
const ASSIGNMENT_ATTRS = [ 'camunda:candidateGroups', 'camunda:assignee', 'camunda:candidateUsers' ];

function attr(node, name) {

  // with camunda-bpmn-moddle loaded (the editor) it is a property, without (the CLI) an $attr
  let value;
  try {
    value = node.get(name);
  } catch (err) {
    value = undefined;
  }
  if (value === undefined && node.$attrs) {
    value = node.$attrs[name];
  }
  return typeof value === 'string' ? value.trim() : value;
}

function lanesOf(container) {
  const lanes = [];
  const visit = (laneSet) => {
    (laneSet && laneSet.lanes || []).forEach((lane) => {
      lanes.push(lane);
      visit(lane.childLaneSet);
    });
  };
  (container.laneSets || []).forEach(visit);
  if (container.laneSet) {
    visit(container.laneSet);
  }
  return lanes;
}

function isInLane(node) {

  // the task itself, or a sub-process around it, listed by a lane of an enclosing process
  const chain = [];
  for (let el = node; el; el = el.$parent) {
    chain.push(el);
    if (el.$instanceOf && (el.$instanceOf('bpmn:Process') || el.$instanceOf('bpmn:SubProcess'))) {
      const lanes = lanesOf(el);
      if (lanes.some((lane) => (lane.flowNodeRef || []).some((ref) => chain.includes(ref)))) {
        return true;
      }
    }
  }
  return false;
}

module.exports = function() {

  function check(node, reporter) {
    if (!(node.$instanceOf && node.$instanceOf('bpmn:UserTask'))) {
      return;
    }
    if (ASSIGNMENT_ATTRS.some((name) => attr(node, name))) {
      return;
    }
    if (!isInLane(node)) {
      reporter.report(
        node.id,
        'User task is in no lane and has no candidate groups or assignee: nobody will see it'
      );
    }
  }

  return { check };
};
