// Upstreams: targets with their health, ejection and the breaker, from GET /api/v1/upstreams,
// and pool use from /metrics; polled, so a change shows without reloading the page.
import * as api from './api.js';
import {badge, fill, h, table} from './dom.js';
import {parse} from './metrics.js';
import {pollingPage} from './page.js';
import {needed} from './signin.js';

const REFRESH_MS = 2000;
const BREAKER = {
  closed: ['closed (passing requests)', 'good'],
  open: ['open (refusing requests)', 'bad'],
  half_open: ['half-open (trying requests)', 'warn'],
  disabled: ['disabled', 'neutral'],
};

const page = pollingPage(refresh, REFRESH_MS);
export const {show, hide} = page;

async function refresh() {
  if (!api.hasToken()) {
    fill(page.body, needed('the upstreams'));
    return;
  }
  let upstreams;
  try {
    upstreams = (await api.getJson('/upstreams')).upstreams;
  } catch (error) {
    fill(page.body, h('p', {class: 'notice'}, 'Could not read the upstreams: ' + error.message));
    return;
  }
  let samples = new Map();
  try {
    samples = parse((await api.scrape()).text);
  } catch (error) {
    // Pool use is extra: the health view stands without it.
  }
  if (page.shown) {
    render(upstreams, samples);
  }
}

function metric(samples, name, labels) {
  const found = (samples.get(name) || []).find(sample => Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  return found ? found.value : null;
}

function health(target) {
  if (target.healthy) {
    return badge('healthy', 'good');
  }
  return badge('unhealthy', 'bad');
}

function render(upstreams, samples) {
  fill(page.body,
    h('p', {class: 'hint'}, 'Updated every ' + REFRESH_MS / 1000 + ' s. Last update ' + new Date().toLocaleTimeString() + '.'),
    upstreams.map(upstream => {
      const breaker = BREAKER[upstream.circuit_breaker] || [upstream.circuit_breaker, 'neutral'];
      const active = metric(samples, 'nexus_upstream_active_requests', {upstream: upstream.name});
      const pending = metric(samples, 'nexus_upstream_pending_requests', {upstream: upstream.name});
      const rows = upstream.targets.map(target => {
        const connections = ['active', 'idle'].map(state =>
          metric(samples, 'nexus_upstream_connections', {upstream: upstream.name, target: target.url, state}));
        const queued = metric(samples, 'nexus_upstream_queued_requests', {upstream: upstream.name, target: target.url});
        return {attributes: {'data-target': target.url}, cells: [
          target.url,
          String(target.weight),
          health(target),
          target.active_check_healthy ? 'ok' : badge('failing', 'bad'),
          target.ejected ? badge('ejected, ' + (target.ejection_remaining_ms / 1000).toFixed(1) + ' s left', 'bad') : 'no',
          connections[0] === null ? 'none yet' : connections[0] + ' active, ' + connections[1] + ' idle',
          queued === null ? 'none yet' : String(queued),
        ]};
      });
      return h('section', {class: 'upstream', 'data-upstream': upstream.name, 'aria-label': 'Upstream ' + upstream.name},
        h('h2', null, upstream.name),
        h('p', {class: 'upstream-facts'},
          'Balancer ' + upstream.balancer + '. Circuit breaker: ', badge(breaker[0], breaker[1]),
          active === null ? '' : '. Requests in flight ' + active + ', waiting ' + (pending ?? 0) + '.'),
        table('Targets of ' + upstream.name, ['Target', 'Weight', 'Health', 'Active check', 'Ejected',
          'Connections', 'Queued'], rows));
    }));
}
