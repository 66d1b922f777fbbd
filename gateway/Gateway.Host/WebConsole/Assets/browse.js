// Browse and pick: walk an OPC UA source's address space (a configured source, or an endpoint typed in with its
// security and identity) one level at a time, tick variables (or a whole object), and get the YAML of a machine
// template with tag names proposed from the browse names.
import { get, post, el, toast, ApiError } from './api.js';
import { t } from './i18n.js';

export function browsePage(main) {
  const source = el('select', { id: 'browse-source' });
  // Where to connect: a configured source, or an endpoint typed in (its password stays in this page: it is sent with
  // each browse request and never written into the YAML).
  const target = el('select', { id: 'browse-target' },
    el('option', { value: 'source' }, t('browse.configured')), el('option', { value: 'endpoint' }, t('browse.typed')));
  const endpoint = el('input', { id: 'browse-endpoint', size: 40, placeholder: 'opc.tcp://192.168.0.10:4840' });
  const mode = el('select', { id: 'browse-mode' }, ['best', 'none', 'sign', 'signAndEncrypt'].map(m => el('option', { value: m }, m)));
  const policy = el('select', { id: 'browse-policy' }, el('option', { value: '' }, t('browse.policyBest')),
    ['Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss', 'None'].map(p => el('option', { value: p }, p)));
  const identity = el('select', { id: 'browse-identity' },
    el('option', { value: 'anonymous' }, t('browse.anonymous')), el('option', { value: 'username' }, t('browse.username')));
  const username = el('input', { id: 'browse-username', autocomplete: 'off' });
  const password = el('input', { id: 'browse-password', type: 'password', autocomplete: 'new-password' });
  const userFields = el('span', { class: 'hidden' }, el('label', {}, t('login.user'), ' ', username), ' ', el('label', {}, t('login.password'), ' ', password));
  const sourceFields = el('span', {}, el('label', {}, t('browse.source'), ' ', source));
  const endpointFields = el('span', { class: 'hidden' },
    el('label', {}, t('browse.endpoint'), ' ', endpoint), ' ',
    el('label', {}, t('browse.mode'), ' ', mode), ' ',
    el('label', {}, t('browse.policy'), ' ', policy), ' ',
    el('label', {}, t('browse.identity'), ' ', identity), ' ', userFields);
  target.addEventListener('change', () => {
    sourceFields.classList.toggle('hidden', target.value !== 'source');
    endpointFields.classList.toggle('hidden', target.value !== 'endpoint');
  });
  identity.addEventListener('change', () => userFields.classList.toggle('hidden', identity.value !== 'username'));
  const typed = withPassword => ({
    endpoint: endpoint.value.trim(),
    security: { mode: mode.value, policy: policy.value },
    identity: { type: identity.value, username: username.value, ...(withPassword ? { password: password.value } : {}) },
  });
  const open = el('button', { id: 'browse-open', class: 'primary' }, t('browse.open'));
  const tree = el('div', { class: 'tree', id: 'browse-tree' });
  const machine = el('input', { id: 'browse-machine', placeholder: t('browse.machine') });
  const make = el('button', { id: 'browse-make', class: 'primary' }, t('browse.make'));
  const yaml = el('textarea', { id: 'browse-yaml', readonly: true, spellcheck: 'false' });
  const download = el('button', { id: 'browse-download' }, t('browse.download'));
  const copy = el('button', { id: 'browse-copy' }, t('browse.copy'));
  main.append(
    el('p', { class: 'muted' }, t('browse.hint')),
    el('div', { class: 'toolbar' }, el('label', {}, t('browse.connect'), ' ', target), sourceFields, endpointFields, open),
    el('div', { class: 'grid2' },
      tree,
      el('div', {}, el('div', { class: 'toolbar' }, el('label', {}, t('browse.machine'), ' ', machine), make, download, copy), yaml)));

  // A ticked variable: its NodeId and its browse-name path below the machine object (the object under Objects).
  const picked = new Map();

  async function children(node) {
    if (target.value === 'endpoint') {
      return (await post('/api/browse/endpoint', { ...typed(true), ...(node ? { node } : {}) })).children;
    }
    const query = new URLSearchParams({ source: source.value });
    if (node) query.set('node', node);
    return (await get(`/api/browse?${query}`)).children;
  }

  function item(child, trail) {
    const path = [...trail, child.browseName];
    const li = el('li', { dataset: { nodeId: child.nodeId, path: path.join('/') } });
    const box = el('input', { type: 'checkbox', class: 'pick', 'aria-label': child.displayName });
    const label = el('span', {}, ` ${child.displayName} `, el('span', { class: 'muted' }, child.nodeClass === 'Variable' ? child.nodeId : ''));
    if (child.nodeClass === 'Variable') {
      box.addEventListener('change', () => {
        if (box.checked) picked.set(child.nodeId, { nodeId: child.nodeId, path: path.slice(1).join('/') || child.browseName, machine: path[0] });
        else picked.delete(child.nodeId);
        if (!machine.value && box.checked) machine.value = `${path[0]}-picked`;
      });
      li.append(el('button', { class: 'toggle', disabled: true }, '·'), box, label);
      return li;
    }
    const list = el('ul');
    let loaded = false;
    async function expand() {
      if (!loaded) {
        loaded = true;
        list.replaceChildren(el('li', { class: 'muted' }, t('browse.loading')));
        try { list.replaceChildren(...(await children(child.nodeId)).map(c => item(c, path))); }
        catch (error) { list.replaceChildren(el('li', {}, problem(error))); }
      }
      list.classList.remove('hidden');
      toggle.textContent = '−';
    }
    const toggle = el('button', { class: 'toggle', disabled: !child.hasChildren }, child.hasChildren ? '+' : '·');
    toggle.addEventListener('click', async () => {
      if (loaded && !list.classList.contains('hidden')) { list.classList.add('hidden'); toggle.textContent = '+'; return; }
      await expand();
    });
    // Ticking an object ticks every variable below it (objects are opened as needed, three levels at most).
    box.addEventListener('change', async () => {
      await tickAll(li, box.checked, 3);
    });
    async function tickAll(node, checked, depth) {
      await expand();
      for (const childItem of list.children) {
        const childBox = childItem.querySelector(':scope > input.pick');
        if (!childBox) continue;
        childBox.checked = checked;
        if (childItem.querySelector(':scope > ul') && depth > 1) childItem.expandAndTick && await childItem.expandAndTick(checked, depth - 1);
        else childBox.dispatchEvent(new Event('change'));
      }
    }
    li.expandAndTick = (checked, depth) => tickAll(li, checked, depth);
    li.append(toggle, box, label, list);
    return li;
  }

  open.addEventListener('click', async () => {
    picked.clear();
    yaml.value = '';
    tree.replaceChildren(el('p', { class: 'muted' }, t('browse.loading')));
    try { tree.replaceChildren(el('ul', {}, (await children(null)).map(c => item(c, [])))); }
    catch (error) { tree.replaceChildren(problem(error)); }
  });

  // An untrusted server certificate is never accepted here: the page says so and leads to the Certificates page.
  function problem(error) {
    if (error instanceof ApiError && error.body?.certificateRejected) {
      return el('p', { class: 'error', id: 'browse-rejected' }, t('browse.rejected'), ' ',
        el('a', { href: '#/certificates', id: 'browse-to-certificates' }, t('browse.toCertificates')));
    }
    return el('p', { class: 'error' }, error.message);
  }

  make.addEventListener('click', async () => {
    try {
      const from = target.value === 'endpoint' ? typed(false) : { source: source.value };
      const answer = await post('/api/browse/template', { ...from, machine: machine.value || 'picked-machine', variables: [...picked.values()] });
      yaml.value = answer.yaml;
    } catch (error) { toast(`${t('common.error')}: ${error.message}`); }
  });
  download.addEventListener('click', () => {
    const link = el('a', { href: URL.createObjectURL(new Blob([yaml.value], { type: 'application/yaml' })), download: `${machine.value || 'picked-machine'}.yaml` });
    link.click();
    URL.revokeObjectURL(link.href);
  });
  copy.addEventListener('click', () => navigator.clipboard?.writeText(yaml.value));

  get('/api/browse/sources').then(answer => {
    if (answer.sources.length === 0) tree.replaceChildren(el('p', { class: 'muted' }, t('browse.none')));
    source.replaceChildren(...answer.sources.map(name => el('option', { value: name }, name)));
  }).catch(error => tree.replaceChildren(el('p', { class: 'error' }, error.message)));
}
