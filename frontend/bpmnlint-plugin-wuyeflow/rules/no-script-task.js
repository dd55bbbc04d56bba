// WuyeFlow never runs scripts from a diagram: a script task would be refused at deploy.
module.exports = function() {

  function check(node, reporter) {
    if (node.$instanceOf && node.$instanceOf('bpmn:ScriptTask')) {
      reporter.report(node.id, 'Script tasks are disabled in WuyeFlow: use a user task or a gateway condition');
    }
  }

  return { check };
};
