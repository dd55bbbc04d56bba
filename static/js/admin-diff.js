// The diff of a new version against the live one, as /admin/processes shows it before deploying.
(function () {
  const { escapeHtml } = window.WuyeFlow;
  const t = (text, params = {}) => text.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));

  function element(e) {
    return `<code>${escapeHtml(e.id)}</code> ${e.name && e.name !== e.id ? escapeHtml(e.name) : ''}`
      + ` <span class="muted">${escapeHtml(e.type || '')}</span>`;
  }

  function change(c, S) {
    const label = S.field[c.field] || c.field;
    const old = c.old == null ? S.none : c.old;
    const now = c.new == null ? S.none : c.new;
    return `<li>${escapeHtml(label)}: <del>${escapeHtml(old)}</del> → <ins>${escapeHtml(now)}</ins></li>`;
  }

  function problems(errors, S) {
    if (!errors || !errors.length) return '';
    return `<p class="diff-removed"><strong>${escapeHtml(S.problems)}</strong></p><ul>${errors.map((e) =>
      `<li>${e.element ? `<code>${escapeHtml(e.element)}</code>` : escapeHtml(S.wholeFile)}`
      + `${e.line ? ` <span class="muted">${escapeHtml(e.file)} · ${escapeHtml(t(S.line, { n: e.line }))}</span>` : ''}`
      + `: ${escapeHtml(e.message)}</li>`).join('')}</ul>`;
  }

  function process(p, S) {
    const title = `${escapeHtml(p.name)} <code>${escapeHtml(p.process_id)}</code> — `
      + escapeHtml(p.live_version ? t(S.against, { version: p.live_version }) : S.newProcess);
    const parts = [`<h3>${title}</h3>`];
    if (p.added.length) {
      parts.push(`<p class="diff-added">${escapeHtml(S.added)} (${p.added.length})</p>`
        + `<ul>${p.added.map((e) => `<li>${element(e)}</li>`).join('')}</ul>`);
    }
    if (p.removed.length) {
      parts.push(`<p class="diff-removed">${escapeHtml(S.removed)} (${p.removed.length})</p>`
        + `<ul>${p.removed.map((e) => `<li>${element(e)}</li>`).join('')}</ul>`);
    }
    if (p.changed.length) {
      parts.push(`<p class="diff-changed">${escapeHtml(S.changed)} (${p.changed.length})</p><ul>${p.changed.map((e) =>
        `<li>${element(e)}<ul>${e.changes.map((c) => change(c, S)).join('')}</ul></li>`).join('')}</ul>`);
    }
    if (p.forms.length) {
      parts.push(`<ul>${p.forms.map((f) => `<li>${escapeHtml(f.change === 'added' ? S.formAdded : S.formChanged)}:`
        + ` <code>${escapeHtml(f.form_id)}</code></li>`).join('')}</ul>`);
    }
    if (!p.added.length && !p.removed.length && !p.changed.length && !p.forms.length) {
      parts.push(`<p class="muted">${escapeHtml(S.noChanges)}</p>`);
    }
    return parts.join('');
  }

  /** HTML for a diff response: {errors, processes, based_on_version?, live_version?}. */
  function render(diff, S) {
    const warning = diff.based_on_version && diff.live_version && diff.based_on_version !== diff.live_version
      ? `<p class="diff-warning">${escapeHtml(t(S.basedOn, { based: diff.based_on_version, live: diff.live_version }))}</p>`
      : '';
    return `<div class="diff-box">${warning}${problems(diff.errors, S)}${diff.processes.map((p) => process(p, S))
      .join('<hr>')}</div>`;
  }

  window.WuyeFlowDiff = { render, t };
})();
