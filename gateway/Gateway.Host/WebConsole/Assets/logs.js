// Logs: the last lines the gateway wrote (secrets masked), filtered by level and by source, sink or text.
import { get, el, table, localTime } from './api.js';
import { t } from './i18n.js';

export function logsPage(main) {
  const level = el('select', { id: 'logs-level' }, ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical'].map(l => el('option', { value: l }, l)));
  level.value = 'Information';
  const filter = el('input', { id: 'logs-filter', placeholder: t('logs.filter') });
  const refresh = el('button', { id: 'logs-refresh' }, t('logs.refresh'));
  const body = el('div', { id: 'logs' });
  main.append(el('div', { class: 'toolbar' }, el('label', {}, t('logs.level'), ' ', level), filter, refresh), body);

  async function load() {
    const query = new URLSearchParams({ level: level.value, text: filter.value, limit: '500' });
    const logs = await get(`/api/logs?${query}`);
    body.replaceChildren(table([t('col.time'), t('col.level'), t('col.category'), t('col.message')],
      logs.lines.slice().reverse().map(line => el('tr', { class: line.level === 'Error' || line.level === 'Critical' ? 'bad' : line.level === 'Warning' ? 'warn' : '' },
        el('td', {}, localTime(line.at)), el('td', {}, line.level), el('td', {}, line.category), el('td', {}, line.message)))));
  }

  for (const control of [level, refresh]) control.addEventListener(control === refresh ? 'click' : 'change', () => load());
  filter.addEventListener('keydown', event => { if (event.key === 'Enter') load(); });
  load().catch(error => body.replaceChildren(el('p', { class: 'error' }, error.message)));
}
