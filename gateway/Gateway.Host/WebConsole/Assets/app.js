// The console's shell: session and login, language switch, and one page at a time by the URL's #/path.
import { get, post, el, setCsrfToken, toast, ApiError } from './api.js';
import { t, translate, language, setLanguage } from './i18n.js';
import { overviewPage } from './overview.js';
import { machinePage } from './machine.js';
import { browsePage } from './browse.js';
import { addressesPage } from './addresses.js';
import { certificatesPage } from './certificates.js';
import { configPage } from './config.js';
import { logsPage } from './logs.js';

const pages = { overview: overviewPage, machine: machinePage, browse: browsePage, addresses: addressesPage, certificates: certificatesPage, config: configPage, logs: logsPage };
let session = null;
let leave = null; // what the current page does when it is left (close its event stream)

async function start() {
  const picker = document.getElementById('language');
  picker.value = language();
  picker.addEventListener('change', () => { setLanguage(picker.value); translate(); show(); });
  document.getElementById('logout').addEventListener('click', async () => {
    await post('/api/logout');
    location.hash = '#/overview';
    location.reload();
  });
  window.addEventListener('hashchange', show);
  translate();
  session = await get('/api/session');
  setCsrfToken(session.csrfToken);
  show();
}

function loginForm(main) {
  const user = el('input', { id: 'login-user', autocomplete: 'username' });
  const password = el('input', { id: 'login-password', type: 'password', autocomplete: 'current-password' });
  const message = el('p', { id: 'login-error', class: 'error' });
  const form = el('form', { class: 'login', id: 'login-form' },
    el('h2', {}, t('login.title')),
    el('label', { for: 'login-user' }, t('login.user')), user,
    el('label', { for: 'login-password' }, t('login.password')), password,
    el('p', {}, el('button', { class: 'primary', id: 'login-submit', type: 'submit' }, t('login.submit'))),
    message);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      session = { ...session, ...await post('/api/login', { user: user.value, password: password.value }) };
      setCsrfToken(session.csrfToken);
      show();
    } catch (error) {
      message.textContent = error instanceof ApiError && error.status === 401 ? t('login.failed') : error.message;
    }
  });
  main.replaceChildren(form);
  user.focus();
}

function show() {
  if (leave) { leave(); leave = null; }
  const main = document.getElementById('page');
  const [name, ...rest] = (location.hash.replace(/^#\/?/, '') || 'overview').split('/');
  const loggedIn = !session.loginRequired || session.user;
  document.getElementById('nav').classList.toggle('hidden', !loggedIn);
  document.getElementById('who').textContent = session.loginRequired && session.user ? `${session.user} (${session.role})` : '';
  document.getElementById('logout').classList.toggle('hidden', !(session.loginRequired && session.user));
  if (!loggedIn) { loginForm(main); return; }
  for (const link of document.querySelectorAll('#nav a')) link.classList.toggle('active', link.dataset.page === name);
  const page = pages[name] ?? overviewPage;
  main.replaceChildren();
  try {
    leave = page(main, { session, args: rest.map(decodeURIComponent) }) ?? null;
  } catch (error) {
    toast(`${t('common.error')}: ${error.message}`);
  }
}

start().catch(error => {
  document.getElementById('page').replaceChildren(el('p', { class: 'error' }, `${t('common.error')}: ${error.message}`));
});
