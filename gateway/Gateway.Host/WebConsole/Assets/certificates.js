// Certificates: this gateway's own (to download), the rejected server certificates (trust), the trusted ones (remove).
// The same PKI folders as `gateway cert`.
import { get, post, el, table, toast, localTime } from './api.js';
import { t } from './i18n.js';

export function certificatesPage(main, { session }) {
  const body = el('div', { id: 'certificates' });
  main.append(body);
  const admin = !session.loginRequired || session.role === 'admin';

  async function act(path, thumbprint, question) {
    if (!confirm(question)) return;
    try {
      await post(path, { thumbprint });
      toast(t('cert.done'));
    } catch (error) {
      toast(`${t('common.error')}: ${error.message}`);
    }
    load();
  }

  function rows(list, action) {
    if (list.length === 0) return [el('tr', {}, el('td', { colspan: 6, class: 'muted' }, t('cert.none')))];
    return list.map(c => el('tr', { dataset: { thumbprint: c.thumbprint } },
      el('td', {}, c.subject),
      el('td', { class: 'thumbprint' }, c.thumbprint),
      el('td', {}, `${localTime(c.notBefore)} – ${localTime(c.notAfter)}`),
      el('td', {}, c.endpoints.join(', ')),
      el('td', {}, c.applicationUri ?? ''),
      el('td', {}, action ? action(c) : '')));
  }

  async function load() {
    const certificates = await get('/api/certificates');
    const headers = [t('col.subject'), t('col.thumbprint'), t('col.validity'), t('col.presentedBy'), 'URI', t('col.actions')];
    const trustButton = c => el('button', { class: 'primary trust', disabled: !admin, onclick: () => act('/api/certificates/trust', c.thumbprint, t('cert.confirmTrust')) }, t('cert.trust'));
    const removeButton = c => el('button', { class: 'danger remove', disabled: !admin, onclick: () => act('/api/certificates/remove', c.thumbprint, t('cert.confirmRemove')) }, t('cert.remove'));
    body.replaceChildren(
      el('p', { class: 'muted' }, certificates.directory ?? ''),
      el('h2', {}, t('cert.own')),
      table(headers.slice(0, 5).concat(['']), rows(certificates.own, null), { id: 'own' }),
      certificates.own.length ? el('p', {}, el('a', { href: '/api/certificates/own', id: 'download-own', download: '' }, t('cert.download'))) : '',
      el('h2', {}, t('cert.rejected')),
      table(headers, rows(certificates.rejected, trustButton), { id: 'rejected' }),
      el('h2', {}, t('cert.trusted')),
      table(headers, rows(certificates.trusted, removeButton), { id: 'trusted' }));
  }

  load().catch(error => body.replaceChildren(el('p', { class: 'error' }, error.message)));
}
