// Shared helpers for the pages: JSON calls to /api/v1 with the session cookie and the CSRF token.
(function () {
  const token = document.querySelector('meta[name="csrf-token"]')?.content;
  async function api(method, path, body) {
    const resp = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token, 'Accept': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await resp.text();
    const data = text ? JSON.parse(text) : {};
    if (!resp.ok) { const error = new Error(data.message || resp.statusText); error.status = resp.status; error.body = data; throw error; }
    return data;
  }
  function escapeHtml(value) {
    return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }
  window.WuyeFlow = { api, escapeHtml };
})();
