// The dashboard's shell: pages by URL fragment (#overview, #routes, ...), the sign-in form and
// the session. Each page module shows itself in its section and stops polling when hidden.
import * as api from './api.js';
import * as config from './config.js';
import * as overview from './overview.js';
import * as routes from './routes.js';
import {status} from './status.js';
import * as upstreams from './upstreams.js';

const PAGES = {overview, routes, upstreams, config};

let visible = null;

function pageName() {
  const name = location.hash.replace(/^#/, '');
  return Object.hasOwn(PAGES, name) ? name : 'overview';
}

function showPage() {
  const name = pageName();
  if (visible !== null) {
    PAGES[visible].hide();
  }
  for (const page of Object.keys(PAGES)) {
    document.getElementById('page-' + page).hidden = page !== name;
  }
  for (const link of document.querySelectorAll('nav a[data-page]')) {
    if (link.dataset.page === name) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
  document.title = document.getElementById(name + '-title').textContent + ' · Nexus dashboard';
  visible = name;
  PAGES[name].show(document.getElementById(name + '-body'));
}

function showSession() {
  const signedIn = api.hasToken();
  document.getElementById('login').hidden = signedIn;
  document.getElementById('signed-in').hidden = !signedIn;
}

function start() {
  const login = document.getElementById('login');
  const input = document.getElementById('token');
  login.addEventListener('submit', async event => {
    event.preventDefault();
    const problem = await api.signIn(input.value.trim());
    input.value = '';
    if (problem === null) {
      status('Signed in.', 'good');
    } else {
      status(problem, 'bad');
      input.focus();
    }
  });
  document.getElementById('logout').addEventListener('click', () => {
    api.signOut();
    status('Signed out: the token is forgotten.', '');
  });
  api.onSessionChange(() => {
    if (!api.hasToken() && document.getElementById('signed-in').hidden === false) {
      status('Signed out.', '');
    }
    showSession();
    showPage();
  });
  window.addEventListener('hashchange', () => {
    showPage();
    document.getElementById('main').focus();
  });
  showSession();
  showPage();
}

start();
