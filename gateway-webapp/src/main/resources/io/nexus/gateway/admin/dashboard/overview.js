// Overview: the live config version, uptime, traffic, errors and latency from /metrics,
// refreshed every few seconds; the charts cover the scrapes since the page was opened.
import * as api from './api.js';
import {lineChart} from './chart.js';
import {fill, h, table} from './dom.js';
import * as format from './format.js';
import {gauge, History, series, sum} from './metrics.js';
import {pollingPage} from './page.js';

const REFRESH_MS = 5000;
const KEEP = 61; // five minutes of windows
const SUMMARY_MS = 60000;

const history = new History(KEEP);
let liveVersion = null;

const page = pollingPage(refresh, REFRESH_MS);
export const {show, hide} = page;

async function refresh() {
  try {
    const scrape = await api.scrape();
    history.add(scrape.text, scrape.serverTime);
  } catch (error) {
    fill(page.body, h('p', {class: 'notice'}, error.status === 401
      ? 'This gateway\'s /metrics needs the admin token: sign in to see the overview.'
      : 'Could not read /metrics: ' + error.message));
    return;
  }
  if (api.hasToken()) {
    try {
      const versions = await api.getJson('/config/versions');
      liveVersion = versions.versions.find(version => version.id === versions.current) || null;
    } catch (error) {
      liveVersion = null;
    }
  } else {
    liveVersion = null;
  }
  if (page.shown) {
    render();
  }
}

function render() {
  const latest = history.latest();
  const summary = history.over(SUMMARY_MS);
  const steps = history.steps();
  const version = series(latest, 'nexus_config_version_info')[0]?.labels.version;
  const started = gauge(latest, 'process_start_time_seconds');
  const rejected = sum(latest, 'nexus_rejected_requests_total', labels => labels.reason === 'overloaded');
  const facts = [
    ['Live config version', version === undefined ? 'unknown' : version],
    ['Config sha256', liveVersion ? liveVersion.sha256 : (api.hasToken() ? 'loading' : 'sign in to see it')],
    ['Uptime', started === null ? 'unknown' : format.duration(latest.time - started * 1000)],
    ['Requests per second (last minute)', summary ? format.rate(summary.rate) : 'measuring'],
    ['Error ratio, 5xx (last minute)', summary ? format.ratio(summary.errorRatio) : 'measuring'],
    ['p99 latency (last minute)', summary ? format.seconds(summary.p99) : 'measuring'],
    ['In flight', String(gauge(latest, 'nexus_inflight_requests') ?? 0)],
    ['Waiting for a permit', String(gauge(latest, 'nexus_queued_requests') ?? 0)],
    ['Backpressure rejections (503 overloaded) since start', String(rejected)
      + (summary ? ', ' + summary.overloaded + ' in the last minute' : '')],
  ];
  fill(page.body,
    h('dl', {class: 'facts', id: 'overview-facts'}, facts.map(([term, value]) =>
      h('div', {class: 'fact'}, h('dt', null, term), h('dd', null, value)))),
    h('h2', null, 'The last minutes'),
    h('p', {class: 'hint'}, 'One point every ' + REFRESH_MS / 1000 + ' s since this page was opened, from the gateway\'s /metrics.'),
    h('div', {class: 'charts'},
      chartCard('Requests per second', steps.map(step => step.rate), format.rate),
      chartCard('Error ratio (5xx)', steps.map(step => step.errorRatio), format.ratio),
      chartCard('p99 latency', steps.map(step => step.p99), format.seconds)),
    h('h2', null, 'Per route'),
    routeTable(latest, summary, steps));
}

function chartCard(label, values, formatter) {
  return h('figure', {class: 'chart-card'},
    h('figcaption', null, label),
    lineChart(values, {label, format: formatter, width: 320, height: 90}));
}

/**
 * A route's p99 comes from its own histogram (nexus.metrics.route-histograms) or else from its
 * group's, shared with the other routes of that group: the cell says which.
 */
function latencyKey(route, group, summary) {
  const own = route + '|' + group;
  return summary && summary.latency.has(own) ? {key: own, shared: false} : {key: '|' + group, shared: true};
}

function routeTable(latest, summary, steps) {
  const groups = new Map();
  for (const sample of series(latest, 'nexus_requests_total')) {
    groups.set(sample.labels.route, sample.labels.group || '');
  }
  const names = [...groups.keys()].sort();
  if (names.length === 0) {
    return h('p', {class: 'notice'}, 'No requests answered yet.');
  }
  const rows = names.map(route => {
    const group = groups.get(route);
    const latency = latencyKey(route, group, summary);
    const now = summary ? summary.routes.get(route) : null;
    const p99 = summary ? summary.latency.get(latency.key) ?? null : null;
    return {attributes: {'data-route': route}, cells: [
      route,
      cell(now ? format.rate(now.rate) : 'measuring', steps.map(step => step.routes.get(route)?.rate ?? 0), format.rate, route + ' requests per second'),
      cell(now ? format.ratio(now.errorRatio) : 'measuring', steps.map(step => step.routes.get(route)?.errorRatio ?? null), format.ratio,
        route + ' error ratio'),
      cell((summary ? format.seconds(p99) : 'measuring') + (latency.shared ? ' (shared: ' + (group === '' ? 'routes without a group' : 'group ' + group) + ')' : ''),
        steps.map(step => step.latency.get(latency.key) ?? null), format.seconds, route + ' p99 latency'),
    ]};
  });
  return table('Per route, over the last minute', ['Route', 'Requests per second', 'Error ratio (5xx)', 'p99 latency'], rows);
}

function cell(text, values, formatter, label) {
  return h('span', {class: 'cell-chart'}, h('span', {class: 'value'}, text), lineChart(values, {label, format: formatter, width: 120, height: 28}));
}
