// /instances/<id>: the diagram with the case's path, live countdowns to its deadlines, and for admins
// and managers 撤销 (with a reason) and 发送消息 (one of the messages the case waits for).
(function () {
  const { config, t, countdown, errorText, showDiagram, shortTime } = window.WuyeFlowTasks;
  const { api } = window.WuyeFlow;
  const $ = (selector) => document.querySelector(selector);

  function tick() {
    for (const node of document.querySelectorAll('.countdown[data-due]')) {
      node.textContent = countdown(node.dataset.due);
    }
  }
  tick();
  setInterval(tick, 1000);

  function say(message, isError) {
    const node = $('#action-status');
    node.textContent = message;
    node.classList.toggle('status-error', Boolean(isError));
  }

  $('#cancel-form')?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const reason = event.target.elements.reason.value.trim();
    if (!reason || !window.confirm(t('confirmCancel'))) return;
    try {
      await api('POST', `/api/v1/instances/${config.instanceId}/cancel`, { reason });
      say(t('cancelled'));
      window.location.reload();
    } catch (error) {
      say(t('failed', { message: errorText(error) }), true);
    }
  });

  $('#message-form')?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = event.target.elements.message.value;
    try {
      await api('POST', `/api/v1/instances/${config.instanceId}/messages/${encodeURIComponent(name)}`, { data: {} });
      say(t('sent', { name }));
      window.location.reload();
    } catch (error) {
      say(t('failed', { message: errorText(error) }), true);
    }
  });

  showDiagram($('#diagram'), config.bpmnUrl, config)
    .then((viewer) => {
      // A small due-time label beside each waiting timer on the diagram.
      const overlays = viewer.get('overlays');
      const registry = viewer.get('elementRegistry');
      for (const timer of config.timers || []) {
        if (!registry.get(timer.element_id)) continue;
        const label = document.createElement('span');
        label.className = 'diagram-timer';
        label.textContent = t('dueAt', { time: shortTime(timer.due) });
        overlays.add(timer.element_id, { position: { bottom: -4, left: 30 }, html: label });
      }
      document.body.dataset.diagramReady = 'true';
    })
    .catch((error) => { $('#diagram').textContent = t('diagramFailed', { message: errorText(error) }); });
})();
