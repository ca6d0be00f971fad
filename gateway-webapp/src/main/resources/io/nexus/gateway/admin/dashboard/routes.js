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

function targetList(targets) {
  return h('ul', {class: 'plain'}, targets.map(target => h('li', null,
    target.url + ' ', badge(target.healthy ? 'healthy' : 'unhealthy', target.healthy ? 'good' : 'bad'))));
}

// A split route's targets are its sides', each under its upstream's name.
function targets(route) {
  if (!route.split) {
    return targetList(route.targets);
  }
  return h('ul', {class: 'plain'}, route.split.map(side => h('li', {'data-side': side.upstream},
    side.upstream + ':', targetList(side.targets))));
}

function sticky(key) {
  if (!key) {
    return null;
  }
  return key.header ? 'sticky by header ' + key.header : 'sticky by cookie ' + key.cookie;
}

// The route's upstream, or each side of its split with its weight and the header that picks it.
function upstream(route) {
  if (!route.split) {
    return route.upstream;
  }
  const sides = route.split.map(side => side.upstream + ' weight ' + side.weight
    + (side.match_header ? ', header ' + side.match_header.name + ': ' + side.match_header.value : ''));
  return h('ul', {class: 'plain'}, [...sides, sticky(route.split_sticky)]
    .filter(line => line !== null).map(line => h('li', null, line)));
}

function headerEdits(direction, edits) {
  const parts = ['remove', 'set', 'add'].filter(edit => edits[edit].length > 0)
    .map(edit => edit + ' ' + edits[edit].join(', '));
  return parts.length === 0 ? null : direction + ' headers: ' + parts.join('; ');
}

// Header edits by name only (the API never gives their values), rewrite, CORS, mirror, WebSocket.
function trafficPolicy(traffic) {
  const lines = [];
  if (traffic.headers) {
    lines.push(headerEdits('request', traffic.headers.request), headerEdits('response', traffic.headers.response));
  }
  if (traffic.rewrite) {
    lines.push('rewrite ' + traffic.rewrite.regex + ' → ' + traffic.rewrite.replacement);
  }
  if (traffic.cors) {
    lines.push('CORS ' + traffic.cors.allowed_origins.join(', ') + (traffic.cors.allow_credentials ? ', with credentials' : ''));
  }
  if (traffic.mirror) {
    lines.push('mirror ' + traffic.mirror.percent + ' % to ' + traffic.mirror.upstream);
  }
  if (traffic.websocket) {
    lines.push('websocket');
  }
  const shown = lines.filter(line => line !== null);
  return shown.length === 0 ? 'none' : h('ul', {class: 'plain policy'}, shown.map(line => h('li', null, line)));
}

function render(routes) {
  const rows = routes.map(route => ({attributes: {'data-route': route.name}, cells: [
    route.name,
    h('code', null, route.path),
    route.match,
    route.methods.length === 0 ? 'any' : [...route.methods].sort().join(' '),
    route.host ?? 'any',
    upstream(route),
    list(route.middlewares),
    rateLimit(route.rate_limit),
    auth(route.auth),
    trafficPolicy(route.traffic),
    targets(route),
  ]}));
  fill(page.body,
    h('p', {class: 'hint'}, routes.length + (routes.length === 1 ? ' route.' : ' routes.')),
    table('Route table of the live config', ['Name', 'Path', 'Match', 'Methods', 'Host', 'Upstream or split',
      'Middlewares (in run order)', 'Rate limit', 'Auth provider', 'Traffic policy', 'Targets'], rows));
}
