// Overview: every source, machine and sink, and the buffer; live from /api/events (server-sent events).
import { el, table, localTime } from './api.js';
import { t } from './i18n.js';

export function overviewPage(main) {
  const status = el('p', { id: 'live-status', class: 'muted' }, t('overview.reconnecting'));
  const body = el('div', { id: 'overview' });
  main.append(status, body);
  const events = new EventSource('/api/events');
  events.addEventListener('overview', message => {
    status.textContent = `${t('overview.live')} · ${new Date().toLocaleTimeString()}`;
    render(body, JSON.parse(message.data));
  });
  events.addEventListener('error', () => { status.textContent = t('overview.reconnecting'); });
  return () => events.close();
}

function seconds(value) {
  if (value === null || value === undefined) return t('common.never');
  return value < 120 ? `${value.toFixed(1)} s` : `${Math.round(value / 60)} min`;
}

function bytes(value) {
  if (!value) return '0';
  const units = ['B', 'kB', 'MB', 'GB'];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

function render(body, overview) {
  document.getElementById('gateway-name').textContent = `${overview.gateway} ${overview.version}`;
  const ready = el('p', { id: 'ready', class: overview.ready ? 'good' : 'bad' },
    overview.ready ? t('overview.ready') : `${t('overview.notReady')}: ${overview.notReadyReasons.join('; ')}`);

  const sources = table(
    [t('col.name'), t('col.state'), t('col.endpoint'), t('col.security'), t('col.lastError'), t('col.since'), t('col.fix')],
    overview.sources.map(s => el('tr', { dataset: { source: s.name } },
      el('td', {}, s.name), el('td', { class: `state state-${s.state}` }, s.state), el('td', {}, s.endpoint), el('td', {}, s.security),
      el('td', { class: 'last-error' }, s.lastError ?? ''), el('td', {}, localTime(s.lastErrorSince)), el('td', {}, s.fix ?? ''))),
    { id: 'sources' });

  const machineRows = overview.sources.flatMap(s => s.machines.map(m => {
    const state = m.state;
    return el('tr', { dataset: { machine: m.name } },
      el('td', {}, el('a', { href: `#/machine/${encodeURIComponent(m.name)}` }, m.name)),
      el('td', {}, s.name),
      el('td', { class: 'age' }, seconds(m.ageSeconds)),
      el('td', { class: 'rate' }, m.readingsPerSecond ?? 0),
      el('td', { class: m.badTags ? 'bad' : '' }, m.badTags ? `${m.badTags}/${m.tags}: ${m.badTagNames.join(', ')}` : `0/${m.tags}`),
      el('td', {}, state ? `${state.state}${state.reason ? ' · ' + state.reason : ''}` : ''),
      el('td', {}, state && state.oee !== null && state.oee !== undefined ? `${(state.oee * 100).toFixed(1)} %${state.shift ? ' (' + state.shift + ')' : ''}` : ''));
  }));
  const machines = table([t('col.name'), t('col.source'), t('col.lastReading'), t('col.rate'), t('col.badTags'), t('col.machineState'), t('col.oee')], machineRows, { id: 'machines' });

  const sinks = table(
    [t('col.name'), t('col.type'), t('col.connected'), t('col.backlog'), t('col.oldest'), t('col.rate'), t('col.deadLetters'), t('col.lastError')],
    overview.sinks.map(s => el('tr', { dataset: { sink: s.name } },
      el('td', {}, s.name), el('td', {}, s.type), el('td', { class: `state state-${s.state}` }, s.state), el('td', {}, s.pending),
      el('td', {}, seconds(s.oldestPendingSeconds)), el('td', {}, s.deliveredPerSecond ?? 0), el('td', { class: s.deadLetters ? 'warn' : '' }, s.deadLetters),
      el('td', {}, s.lastError ?? ''))),
    { id: 'sinks' });

  const b = overview.buffer;
  const buffer = b ? table([t('col.bytes'), t('col.bound'), t('col.refused'), t('col.dropped')],
    [el('tr', {}, el('td', {}, bytes(b.bytesOnDisk)), el('td', {}, bytes(b.boundBytes)), el('td', { class: b.refused ? 'bad' : '' }, b.refused), el('td', { class: b.dropped ? 'warn' : '' }, b.dropped))],
    { id: 'buffer' }) : el('p', {}, '');

  body.replaceChildren(ready,
    el('h2', {}, t('overview.sources')), sources,
    el('h2', {}, t('overview.machines')), machines,
    el('h2', {}, t('overview.sinks')), sinks,
    el('h2', {}, t('overview.buffer')), buffer);
}
