// Configuration: the running file (secrets masked), validation of an edited copy with the same PATH:LINE:COLUMN
// messages as `gateway validate`, and apply (an atomic write of the same file; the hot reload applies it).
import { get, post, el, toast, ApiError } from './api.js';
import { t } from './i18n.js';

export function configPage(main) {
  const path = el('p', { class: 'muted', id: 'config-path' });
  const editor = el('textarea', { id: 'config-text', spellcheck: 'false' });
  const result = el('div', { id: 'config-result' });
  const validate = el('button', { id: 'config-validate' }, t('config.validate'));
  const apply = el('button', { id: 'config-apply', class: 'danger' }, t('config.apply'));
  const reset = el('button', { id: 'config-reset' }, t('config.reset'));
  const confirmYes = el('button', { id: 'config-confirm', class: 'danger' }, t('common.yes'));
  const confirmNo = el('button', { id: 'config-cancel' }, t('common.no'));
  const dialog = el('dialog', { id: 'config-dialog' }, el('p', {}, t('config.confirmApply')), el('div', { class: 'toolbar' }, confirmYes, confirmNo));
  main.append(el('h2', {}, t('config.file')), path, el('div', { class: 'toolbar' }, validate, apply, reset), result, editor, dialog);
  let original = '';

  function show(check) {
    result.replaceChildren(check.valid
      ? el('p', { class: 'good', id: 'config-valid' }, `${t('config.valid')} ${check.summary}`)
      : el('ul', { class: 'problems', id: 'config-problems' }, check.problems.map(p => el('li', {}, p))));
  }

  async function load() {
    const config = await get('/api/config');
    path.textContent = config.path;
    editor.value = original = config.text;
    apply.disabled = !config.canApply;
    if (!config.canApply) result.replaceChildren(el('p', { class: 'muted' }, t('config.viewer')));
  }

  validate.addEventListener('click', async () => {
    try { show(await post('/api/config/validate', { text: editor.value })); } catch (error) { toast(error.message); }
  });
  reset.addEventListener('click', () => { editor.value = original; result.replaceChildren(); });
  apply.addEventListener('click', () => dialog.showModal());
  confirmNo.addEventListener('click', () => dialog.close());
  confirmYes.addEventListener('click', async () => {
    dialog.close();
    try {
      show(await post('/api/config/apply', { text: editor.value }));
      toast(t('config.applied'));
      result.append(el('p', { class: 'good', id: 'config-applied' }, t('config.applied')));
      original = editor.value;
    } catch (error) {
      if (error instanceof ApiError && error.body?.problems) show(error.body); else toast(error.message);
    }
  });
  load().catch(error => result.replaceChildren(el('p', { class: 'error' }, error.message)));
}
