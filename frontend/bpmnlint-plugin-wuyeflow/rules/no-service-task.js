// The engine has no service-task implementations to call.
module.exports = function() {

  function check(node, reporter) {
    if (node.$instanceOf && node.$instanceOf('bpmn:ServiceTask')) {
      reporter.report(node.id, 'Service tasks have no implementation in WuyeFlow: model the work as a user task');
    }
  }

  return { check };
};
