// WuyeFlow's own bpmnlint rules; enabled by frontend/.bpmnlintrc via "plugin:wuyeflow/recommended".
module.exports = {
  configs: {
    recommended: {
      rules: {
        'no-reserved-ids': 'error',
        'no-script-task': 'error',
        'no-service-task': 'error',
        'user-task-lane': 'warn'
      }
    }
  }
};
