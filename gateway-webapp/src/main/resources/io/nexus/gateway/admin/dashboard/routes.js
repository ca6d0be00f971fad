// Routes: the route table of the live config, as GET /api/v1/routes gives it.
import * as api from './api.js';
import {badge, fill, h, table} from './dom.js';
import {pollingPage} from './page.js';
import {needed} from './signin.js';

const REFRESH_MS = 5000;

const page = pollingPage(refresh, REFRESH_MS);
export const {show, hide} = page;

async function refresh() {
  if (!api.hasToken()) {
    fill(page.body, needed('the route table'));
    return;
  }
  try {
    const answer = await api.getJson('/routes');
    if (page.shown) {
      render(answer.routes);
    }
  } catch (error) {
    fill(page.body, h('p', {class: 'notice'}, 'Could not read the routes: ' + error.message));
  }
}

function list(items) {
  return items.length === 0 ? 'none' : h('ol', {class: 'inline'}, items.map(item => h('li', null, item)));
}

function rateLimit(limit) {
  if (!limit) {
    return 'none';
  }
  return limit.requests + ' per ' + limit.window_ms + ' ms by ' + limit.key + (limit.header ? ' (' + limit.header + ')' : '');
}

function auth(provider) {
  if (!provider) {
    return 'none';
  }
  return provider.provider + ' (' + provider.type + ')'
    + (provider.required_scopes.length ? ', scopes ' + provider.required_scopes.join(' ') : '');
}

function targets(route) {
  return h('ul', {class: 'plain'}, route.targets.map(target => h('li', null,
    target.url + ' ', badge(target.healthy ? 'healthy' : 'unhealthy', target.healthy ? 'good' : 'bad'))));
}

function render(routes) {
  const rows = routes.map(route => ({attributes: {'data-route': route.name}, cells: [
    route.name,
    h('code', null, route.path),
    route.match,
    route.methods.length === 0 ? 'any' : [...route.methods].sort().join(' '),
    route.host ?? 'any',
    route.upstream,
    list(route.middlewares),
    rateLimit(route.rate_limit),
    auth(route.auth),
    targets(route),
  ]}));
  fill(page.body,
    h('p', {class: 'hint'}, routes.length + (routes.length === 1 ? ' route.' : ' routes.')),
    table('Route table of the live config', ['Name', 'Path', 'Match', 'Methods', 'Host', 'Upstream', 'Middlewares (in run order)',
      'Rate limit', 'Auth provider', 'Targets'], rows));
}
