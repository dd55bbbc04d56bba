// The `datetime` form field on the browser's own date and time inputs, replacing form-js's flatpickr one.
//
// Why: form-js 1.23's Datetime keeps what was typed in component state and hands it to the form through
// preact effects, which run only after the next paint. Typed dates are parsed on Enter or blur by a
// synthetic Enter key press, and the effect that applies a pending update then clears the request state,
// dropping a time typed in between. On a busy machine (or by a quick user) the inputs show a date and a
// time while the form's data has neither: "Field is required" on submit. Here every input event writes
// the value to the form at once, and the inputs are the browser's: typed with the keyboard, read by
// screen readers, with the platform's own calendar and clock (a wheel on phones).
//
// Labels: form-js's datetime shows only its parts' labels (dateLabel 日期, timeLabel 时间), so a form with two
// date-time fields showed two unnamed 日期/时间 pairs. The field's own `label` (受理时间) is shown above its
// inputs and names the group; each input is named by both ("受理时间 日期"), unless its part label already
// begins with the field's ("到场时间（日期）"), which then names it alone.
//
// `timeInterval` is not applied: a native time input given a 15-minute step drops a typed 15:07 as invalid
// (empty value), where form-js rounded it down; the time typed is the time kept.
//
// Values are the ones form-js writes: date `2026-11-28`; time `15:00`, `15:00+08:00` or `07:00Z`; date and
// time `2026-11-28T15:00+08:00` (timeSerializingFormat utc_offset), `…T07:00Z` (utc_normalized) or
// `2026-11-28T15:00` (no_timezone), all in the browser's time zone.
import { h } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { Datetime, Description, Errors, Label } from '@bpmn-io/form-js-viewer';

const MINUTES_IN_DAY = 24 * 60;
const pad = (n) => String(n).padStart(2, '0');
const hoursMinutes = (minutes) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
const localDay = (at) => `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;

/** "+08:00" for Date#getTimezoneOffset() -480 (Beijing), "-05:00" for 300 (old local mean times rounded). */
function offsetText(minutesWest) {
  const east = -Math.round(minutesWest);
  return `${east >= 0 ? '+' : '-'}${hoursMinutes(Math.abs(east))}`;
}

/** Minutes after midnight of "HH:MM" (seconds ignored), or null. */
function minutesOf(text) {
  const match = /^(\d{1,2}):(\d{2})/.exec(text || '');
  if (!match || +match[1] > 23 || +match[2] > 59) return null;
  return +match[1] * 60 + +match[2];
}

/** A stored time ("15:00", "07:00Z", "15:00+08:00") as local minutes after midnight, or null. */
function localMinutesOf(value) {
  const match = /^(\d{1,2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value);
  const minutes = match ? minutesOf(match[1]) : null;
  if (minutes === null || !match[2]) return minutes;
  const zone = match[2] === 'Z' ? 0 : (match[2][0] === '-' ? -1 : 1) * minutesOf(match[2].slice(1).replace(/^(\d{2})(\d{2})$/, '$1:$2'));
  const localEast = -new Date().getTimezoneOffset();
  return (((minutes - zone + localEast) % MINUTES_IN_DAY) + MINUTES_IN_DAY) % MINUTES_IN_DAY;
}

/** What the inputs show for a stored value: { date: 'YYYY-MM-DD' | '', time: 'HH:MM' | '' }. */
export function partsOf(subtype, value) {
  const none = { date: '', time: '' };
  if (typeof value !== 'string' || !value) return none;
  if (subtype === 'date') {
    const match = /^\d{4}-\d{2}-\d{2}/.exec(value);
    return match ? { date: match[0], time: '' } : none;
  }
  if (subtype === 'time') {
    const minutes = localMinutesOf(value);
    return minutes === null ? none : { date: '', time: hoursMinutes(minutes) };
  }
  const at = new Date(Date.parse(value));
  return isNaN(at.getTime()) ? none : { date: localDay(at), time: hoursMinutes(at.getHours() * 60 + at.getMinutes()) };
}

/** The value form-js would store for what the inputs show; null while incomplete. */
export function valueOf(subtype, parts, format) {
  const minutes = minutesOf(parts.time);
  if (subtype === 'date') return parts.date || null;
  if (subtype === 'time') {
    if (minutes === null) return null;
    const offset = new Date().getTimezoneOffset();
    if (format === 'utc_normalized') return `${hoursMinutes((minutes + offset + MINUTES_IN_DAY) % MINUTES_IN_DAY)}Z`;
    return hoursMinutes(minutes) + (format === 'utc_offset' ? offsetText(offset) : '');
  }
  if (!parts.date || minutes === null) return null;
  const [year, month, day] = parts.date.split('-').map(Number);
  const at = new Date(year, month - 1, day, Math.floor(minutes / 60), minutes % 60);
  if (isNaN(at.getTime())) return null;
  if (format === 'utc_normalized') return `${at.toISOString().slice(0, 16)}Z`;
  return `${parts.date}T${hoursMinutes(minutes)}` + (format === 'utc_offset' ? offsetText(at.getTimezoneOffset()) : '');
}

export function NativeDatetime(props) {
  const { disabled, errors = [], domId, onBlur, onFocus, field, onChange, readonly, value } = props;
  const { description, label, dateLabel, timeLabel, validate = {}, subtype, disallowPassedDates } = field;
  const format = field.timeSerializingFormat;
  const required = Boolean(validate.required);
  const withDate = subtype === 'date' || subtype === 'datetime';
  const withTime = subtype === 'time' || subtype === 'datetime';
  const group = useRef(null);
  const dateInput = useRef(null);
  const timeInput = useRef(null);
  const [, redraw] = useState(0);

  // What the inputs stand for. A value from outside (import, reset) replaces it, unless it is the value
  // they already give; an incomplete entry (a date still without its time) stays while the value is null.
  const shown = useRef({ value: undefined, parts: { date: '', time: '' } });
  const current = value ?? null;
  if (shown.current.value !== current) {
    if (valueOf(subtype, shown.current.parts, format) !== current) {
      shown.current.parts = partsOf(subtype, current);
    }
    shown.current.value = current;
  }
  const { parts } = shown.current;

  function commit() {
    const typed = { date: dateInput.current ? dateInput.current.value : '', time: timeInput.current ? timeInput.current.value : '' };
    const next = valueOf(subtype, typed, format);
    const before = shown.current.value;
    shown.current = { value: next, parts: typed };
    if (next !== before) {
      onChange({ field, value: next });
    }
    redraw((n) => n + 1);
  }

  const inside = (event) => event.relatedTarget && group.current && group.current.contains(event.relatedTarget);
  const leave = (event) => { if (!inside(event) && onBlur) onBlur(); };
  const enter = (event) => { if (!inside(event) && onFocus) onFocus(); };

  const incomplete = !required && subtype === 'datetime' && Boolean(parts.date) !== Boolean(parts.time);
  const allErrors = incomplete ? [ 'Date and time must both be entered.', ...errors ] : errors;
  const errorId = allErrors.length ? `${domId}-error-message` : undefined;
  const describedBy = [ description ? `${domId}-description` : null, errorId ].filter(Boolean).join(' ') || undefined;
  const today = localDay(new Date());

  const fieldLabelId = label ? `${domId}-label` : undefined;
  const namedBy = (kind, partLabel) => {
    const repeats = Boolean(label && partLabel && String(partLabel).startsWith(String(label)));
    return [ repeats ? null : fieldLabelId, partLabel ? `${domId}-${kind}-label` : null ].filter(Boolean).join(' ') || undefined;
  };
  const input = (kind, partLabel, ref, extra) => h('input', {
    ref, type: kind, id: `${domId}-${kind}`, class: 'fjs-input', value: parts[kind],
    disabled, readOnly: readonly, required, autoComplete: 'off',
    onInput: commit, onChange: commit, onBlur: leave, onFocus: enter,
    'aria-labelledby': namedBy(kind, partLabel),
    'aria-describedby': describedBy, 'aria-invalid': allErrors.length ? 'true' : undefined, ...extra
  });
  const section = (kind, partLabel, ref, extra) => h('div', { class: 'fjs-datetime-subsection' },
    h(Label, { id: `${domId}-${kind}-label`, htmlFor: `${domId}-${kind}`, label: partLabel,
      collapseOnEmpty: kind === 'date' ? !timeLabel : !dateLabel, required: required && !label }),
    h('div', { class: 'fjs-input-group' }, input(kind, partLabel, ref, extra)));

  const classes = [ 'fjs-form-field', 'fjs-form-field-datetime', 'wf-native-datetime' ];
  if (allErrors.length) classes.push('fjs-has-errors');
  if (disabled) classes.push('fjs-disabled');
  if (readonly) classes.push('fjs-readonly');
  return h('div', { class: classes.join(' '), role: label ? 'group' : undefined, 'aria-labelledby': fieldLabelId },
    label && h(Label, { id: fieldLabelId, label, required }),
    h('div', { class: 'fjs-vertical-group', ref: group },
      withDate && section('date', dateLabel, dateInput, { min: disallowPassedDates ? today : '1900-01-01', max: '9999-12-31' }),
      withDate && withTime && h('div', { class: 'fjs-datetime-separator' }),
      withTime && section('time', timeLabel, timeInput, { step: 60 })),
    h(Description, { id: `${domId}-description`, description }),
    h(Errors, { errors: allErrors, id: errorId }));
}

NativeDatetime.config = { ...Datetime.config };

/** didi module: put NativeDatetime in place of form-js's datetime field. */
function RegisterNativeDatetime(formFields) {
  formFields.register('datetime', NativeDatetime);
}
RegisterNativeDatetime.$inject = [ 'formFields' ];

export const nativeDatetimeModule = {
  __init__: [ 'wuyeflowNativeDatetime' ],
  wuyeflowNativeDatetime: [ 'type', RegisterNativeDatetime ]
};
