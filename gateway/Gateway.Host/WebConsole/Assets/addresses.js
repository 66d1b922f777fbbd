// Modbus/MELSEC addresses: a table of rows (name, address as the YAML writes it, type, length, scale, unit) for a
// configured source or a device typed in, a test read of every row through the gateway's own stacks, and the YAML of a
// machine template for the rows.
import { get, post, el, toast } from './api.js';
import { t } from './i18n.js';

const modbusTypes = ['', 'bool', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'int64', 'uint64', 'float64', 'string', 'bcd16', 'bcd32'];
const melsecTypes = ['', 'bit', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'string', 'bcd16', 'bcd32'];

export function addressesPage(main) {
  const target = el('select', { id: 'addr-target' }, el('option', { value: '' }, t('addr.typed')));
  const kind = el('select', { id: 'addr-kind' }, el('option', { value: 'modbus' }, 'Modbus TCP'), el('option', { value: 'melsec' }, 'MELSEC (MC protocol)'));
  const host = el('input', { id: 'addr-host', size: 16, placeholder: '192.168.0.20' });
  const port = el('input', { id: 'addr-port', size: 6, type: 'number', min: 1, max: 65535 });
  const unitId = el('input', { id: 'addr-unit-id', size: 4, type: 'number', min: 0, max: 255, placeholder: '1' });
  const frame = el('select', { id: 'addr-frame' }, ['3e', '4e', '1e'].map(f => el('option', { value: f }, f)));
  const cpu = el('select', { id: 'addr-cpu' }, ['q', 'l', 'iqr', 'iqf', 'fx3'].map(c => el('option', { value: c }, c)));
  const modbusFields = el('span', {}, el('label', {}, t('addr.unitId'), ' ', unitId));
  const melsecFields = el('span', { class: 'hidden' }, el('label', {}, 'frame ', frame), ' ', el('label', {}, 'cpu ', cpu));
  const deviceFields = el('span', {}, el('label', {}, t('addr.kind'), ' ', kind), ' ', el('label', {}, t('addr.host'), ' ', host), ' ',
    el('label', {}, t('addr.port'), ' ', port), ' ', melsecFields);
  const body = el('tbody', { id: 'addr-rows' });
  const add = el('button', { id: 'addr-add' }, t('addr.add'));
  const read = el('button', { id: 'addr-read', class: 'primary' }, t('addr.read'));
  const machine = el('input', { id: 'addr-machine', placeholder: t('browse.machine') });
  const make = el('button', { id: 'addr-make', class: 'primary' }, t('browse.make'));
  const yaml = el('textarea', { id: 'addr-yaml', readonly: true, spellcheck: 'false' });
  const status = el('p', { id: 'addr-status', class: 'muted' });
  const sources = new Map();

  main.append(
    el('p', { class: 'muted' }, t('addr.hint')),
    el('div', { class: 'toolbar' }, el('label', {}, t('addr.target'), ' ', target), deviceFields, modbusFields),
    el('table', { id: 'addr-table' },
      el('thead', {}, el('tr', {}, [t('col.name'), t('addr.address'), t('col.type'), t('addr.length'), t('addr.scale'), t('col.unit'), t('col.value'), t('col.quality'), ''].map(h => el('th', {}, h)))),
      body),
    el('div', { class: 'toolbar' }, add, read, status),
    el('div', { class: 'toolbar' }, el('label', {}, t('browse.machine'), ' ', machine), make),
    yaml);

  function currentKind() {
    return target.value ? sources.get(target.value).kind : kind.value;
  }

  function typeList() {
    return currentKind() === 'melsec' ? melsecTypes : modbusTypes;
  }

  function row(values = {}) {
    const type = el('select', { class: 'addr-type' }, typeList().map(v => el('option', { value: v }, v || t('addr.default'))));
    type.value = values.type ?? '';
    const tr = el('tr', {},
      el('td', {}, el('input', { class: 'addr-name', size: 14, value: values.name ?? '' })),
      el('td', {}, el('input', { class: 'addr-address', size: 12, value: values.address ?? '', placeholder: currentKind() === 'melsec' ? 'D100' : '40001' })),
      el('td', {}, type),
      el('td', {}, el('input', { class: 'addr-length', size: 3, type: 'number', min: 1 })),
      el('td', {}, el('input', { class: 'addr-scale', size: 6, placeholder: '1' })),
      el('td', {}, el('input', { class: 'addr-unit', size: 6 })),
      el('td', { class: 'addr-value' }),
      el('td', { class: 'addr-result' }),
      el('td', {}, el('button', { class: 'addr-remove', onclick: () => tr.remove() }, '×')));
    body.append(tr);
    return tr;
  }

  function request() {
    const rows = [...body.querySelectorAll('tr')].map(tr => ({
      name: tr.querySelector('.addr-name').value.trim(),
      address: tr.querySelector('.addr-address').value.trim(),
      type: tr.querySelector('.addr-type').value,
      length: tr.querySelector('.addr-length').value,
      scale: tr.querySelector('.addr-scale').value.trim(),
      unit: tr.querySelector('.addr-unit').value.trim(),
    }));
    const device = target.value
      ? { source: target.value }
      : { kind: kind.value, host: host.value.trim(), port: port.value, frame: frame.value, cpu: cpu.value };
    return { ...device, unitId: currentKind() === 'modbus' ? unitId.value : '', rows };
  }

  function refresh() {
    const configured = Boolean(target.value);
    deviceFields.classList.toggle('hidden', configured);
    modbusFields.classList.toggle('hidden', currentKind() !== 'modbus');
    melsecFields.classList.toggle('hidden', kind.value !== 'melsec');
    if (configured && sources.get(target.value).unitId != null) unitId.placeholder = String(sources.get(target.value).unitId);
    for (const select of body.querySelectorAll('.addr-type')) {
      const value = select.value;
      select.replaceChildren(...typeList().map(v => el('option', { value: v }, v || t('addr.default'))));
      select.value = typeList().includes(value) ? value : '';
    }
  }

  target.addEventListener('change', refresh);
  kind.addEventListener('change', refresh);
  add.addEventListener('click', () => row());

  read.addEventListener('click', async () => {
    status.textContent = t('browse.loading');
    for (const cell of body.querySelectorAll('.addr-value, .addr-result')) { cell.textContent = ''; cell.className = cell.className.replace(/ ?(good|bad)/g, ''); }
    try {
      const answer = await post('/api/addresses/read', request());
      const trs = [...body.querySelectorAll('tr')].filter(tr => tr.querySelector('.addr-name').value.trim() || tr.querySelector('.addr-address').value.trim());
      answer.rows.forEach((result, i) => {
        const tr = trs[i];
        tr.dataset.name = result.name;
        tr.querySelector('.addr-value').textContent = result.value ?? '';
        const cell = tr.querySelector('.addr-result');
        cell.textContent = result.error ? `${result.status}: ${result.error}` : result.status;
        cell.classList.add(result.error ? 'bad' : 'good');
      });
      status.textContent = t('addr.read.done');
    } catch (error) {
      status.textContent = `${t('common.error')}: ${error.message}`;
    }
  });

  make.addEventListener('click', async () => {
    try {
      yaml.value = (await post('/api/addresses/template', { ...request(), machine: machine.value || 'table-machine' })).yaml;
    } catch (error) { toast(`${t('common.error')}: ${error.message}`); }
  });

  row();
  get('/api/addresses/sources').then(answer => {
    for (const source of answer.sources) {
      sources.set(source.name, source);
      target.append(el('option', { value: source.name }, `${source.name} (${source.endpoint})`));
    }
  }).catch(error => { status.textContent = error.message; });
}
