// Machine: its tags with the live value, quality, source timestamp and unit, and a small trend of numeric tags.
import { get, el, table, localTime } from './api.js';
import { t } from './i18n.js';

const svgNamespace = 'http://www.w3.org/2000/svg';

function trend(points) {
  const svg = document.createElementNS(svgNamespace, 'svg');
  svg.setAttribute('class', 'trend');
  svg.setAttribute('viewBox', '0 0 160 32');
  if (points.length < 2) return svg;
  const times = points.map(p => new Date(p.at).getTime());
  const values = points.map(p => p.value);
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const [v0, v1] = [Math.min(...values), Math.max(...values)];
  const line = document.createElementNS(svgNamespace, 'polyline');
  line.setAttribute('points', points.map((p, i) =>
    `${((times[i] - t0) / Math.max(1, t1 - t0) * 156 + 2).toFixed(1)},${(30 - (values[i] - v0) / Math.max(1e-9, v1 - v0) * 28).toFixed(1)}`).join(' '));
  svg.append(line);
  return svg;
}

export function machinePage(main, { args }) {
  const name = args[0] ?? '';
  const heading = el('h2', {}, `${t('machine.title')}: ${name}`);
  const body = el('div', { id: 'machine', dataset: { machine: name } });
  main.append(el('p', {}, el('a', { href: '#/overview' }, t('machine.back'))), heading, body);
  let stopped = false;
  async function refresh() {
    if (stopped) return;
    try {
      const machine = await get(`/api/machines/${encodeURIComponent(name)}`);
      heading.textContent = `${t('machine.title')}: ${machine.name} (${machine.source})`;
      body.replaceChildren(table(
        [t('col.tag'), t('col.value'), t('col.quality'), t('col.timestamp'), t('col.unit'), t('col.trend')],
        machine.tags.map(tag => el('tr', { dataset: { tag: tag.name } },
          el('td', {}, tag.name),
          el('td', { class: 'value' }, tag.value ?? ''),
          el('td', { class: tag.quality === 'Good' ? 'good' : tag.quality ? 'bad' : '' }, tag.quality ?? t('machine.none')),
          el('td', {}, localTime(tag.sourceTimestamp)),
          el('td', {}, tag.unit ?? ''),
          el('td', {}, tag.numeric !== null && tag.numeric !== undefined ? trend(tag.trend) : ''))),
        { id: 'tags' }));
    } catch (error) {
      body.replaceChildren(el('p', { class: 'error' }, error.message));
    }
    if (!stopped) setTimeout(refresh, 2000);
  }
  refresh();
  return () => { stopped = true; };
}
