// Config: the version history, a diff between any two kept versions, rollback and reload (each
// confirmed first), and a validate box where the gateway has POST /api/v1/config/validate.
import * as api from './api.js';
import {confirm} from './confirm.js';
import {fill, h, table} from './dom.js';
import {pollingPage} from './page.js';
import {needed} from './signin.js';
import {status} from './status.js';

// A change by the file watcher or another operator shows within this; the page is rebuilt
// only when the history changed, so a chosen diff stays put.
const REFRESH_MS = 3000;

let versions = [];
let current = null;
let seen = null;
// Made once per visit, so that a pasted config survives a new version arriving.
let validate = null;

const page = pollingPage(load, REFRESH_MS);
export const hide = page.hide;

export function show(element) {
  seen = null;
  validate = null;
  page.show(element);
}

async function load() {
  if (!api.hasToken()) {
    fill(page.body, needed('the config versions'));
    seen = null;
    return;
  }
  let answer;
  let canValidate;
  try {
    [answer, canValidate] = await Promise.all([api.getJson('/config/versions'), api.hasPostEndpoint('/config/validate')]);
  } catch (error) {
    fill(page.body, h('p', {class: 'notice'}, 'Could not read the config versions: ' + error.message));
    seen = null;
    return;
  }
  const signature = JSON.stringify([answer.current, answer.versions.map(version => version.id), canValidate]);
  if (!page.shown || signature === seen) {
    return;
  }
  seen = signature;
  versions = answer.versions;
  current = answer.current;
  if (canValidate && validate === null) {
    validate = validateBox();
  }
  const live = versions.find(version => version.id === current);
  const diffOutput = h('div', {id: 'diff-output', 'aria-live': 'polite'});
  fill(page.body,
    h('p', {id: 'live-version', class: 'live'}, 'Live: version ' + current
      + (live ? ', applied ' + live.applied_at + ' (source ' + live.source + '), sha256 ' : ''),
    live ? h('code', {class: 'hash'}, live.sha256) : null),
    h('div', {class: 'actions'},
      button('Reload from file', 'reload', reload),
      h('span', {class: 'hint'}, ' Re-reads the config file now, as the file watcher would.')),
    h('h2', null, 'Versions'),
    versionTable(),
    h('h2', null, 'Diff'),
    diffForm(diffOutput),
    diffOutput,
    canValidate ? validate : null);
  if (versions.length > 1) {
    showDiff(diffOutput, versions[1].id, versions[0].id);
  }
}

function button(text, id, action, attributes) {
  const element = h('button', {type: 'button', id, ...(attributes || {})}, text);
  element.addEventListener('click', action);
  return element;
}

function versionTable() {
  const rows = versions.map(version => ({attributes: {'data-version': version.id}, cells: [
    String(version.id) + (version.id === current ? ' (live)' : ''),
    version.applied_at,
    // A version the config guard applied says so in words, with the signal that made it act.
    version.source === 'guard'
      ? h('span', {class: 'guard-rollback'}, h('strong', {}, 'guard rollback'), version.reason ? ': ' + version.reason : '')
      : version.source,
    version.restored_from === null ? '' : 'version ' + version.restored_from,
    h('code', {class: 'hash', title: version.sha256}, version.sha256.slice(0, 12)),
    version.id === current ? 'live' : button('Roll back to version ' + version.id, 'rollback-' + version.id, () => rollback(version.id)),
  ]}));
  return table('Versions kept, newest first', ['Version', 'Applied at', 'Source', 'Restored from', 'sha256', 'Action'], rows);
}

function versionSelect(id, label, selected) {
  return [h('label', {for: id}, label),
    h('select', {id}, versions.map(version => h('option', {value: version.id, selected: version.id === selected},
      'version ' + version.id + (version.id === current ? ' (live)' : ''))))];
}

function diffForm(output) {
  const from = versions.length > 1 ? versions[1].id : current;
  const form = h('form', {class: 'diff-form', id: 'diff-form'},
    versionSelect('diff-from', 'From', from),
    versionSelect('diff-to', 'To', current),
    h('button', {type: 'submit'}, 'Show diff'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    showDiff(output, form.querySelector('#diff-from').value, form.querySelector('#diff-to').value);
  });
  return form;
}

/** A unified diff as lines whose kind is said by their first character and a label, not only by colour. */
export function diffView(text) {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  if (lines.length === 0) {
    return h('p', {class: 'notice'}, 'No difference in the redacted configs.');
  }
  const added = lines.filter(line => line.startsWith('+') && !line.startsWith('+++')).length;
  const removed = lines.filter(line => line.startsWith('-') && !line.startsWith('---')).length;
  return h('div', null,
    h('p', {class: 'hint'}, added + ' lines added, ' + removed + ' removed.'),
    h('pre', {class: 'diff'}, lines.map(line => {
      let kind = 'same';
      if (line.startsWith('@@')) {
        kind = 'hunk';
      } else if (line.startsWith('+++') || line.startsWith('---')) {
        kind = 'file';
      } else if (line.startsWith('+')) {
        kind = 'add';
      } else if (line.startsWith('-')) {
        kind = 'del';
      }
      return h('span', {class: 'line ' + kind}, line + '\n');
    })));
}

async function showDiff(output, from, to) {
  try {
    const text = await api.getText('/config/diff?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to));
    fill(output, h('h3', null, 'Version ' + from + ' → version ' + to), diffView(text));
  } catch (error) {
    fill(output, h('p', {class: 'notice'}, 'Could not diff: ' + error.message));
  }
}

async function rollback(id) {
  const ok = await confirm('Roll back from version ' + current + ' (live) to version ' + id + '?',
    'Version ' + id + '\'s config is applied again, as a new version; version ' + current + ' stays in the history.',
    'Roll back to version ' + id);
  if (!ok) {
    return;
  }
  await write(() => api.postJson('/config/rollback?to=' + encodeURIComponent(id)), 'Rollback to version ' + id);
}

async function reload() {
  const ok = await confirm('Reload the config from its file?',
    'The file on disk replaces version ' + current + ' (live) if it differs and is valid.', 'Reload from file');
  if (!ok) {
    return;
  }
  await write(() => api.postJson('/config/reload'), 'Reload');
}

async function write(action, what) {
  try {
    const result = await action();
    status(result.result === 'unchanged'
      ? what + ': the file holds what is live; version ' + result.version.id + ' stays.'
      : what + ' applied: version ' + result.version.id + ' is live.', 'good');
  } catch (error) {
    status(what + ' refused: ' + error.message + (error.problems.length ? ' ' + error.problems.join('; ') : ''), 'bad');
  }
  if (page.shown) {
    load();
  }
}

function validateBox() {
  const input = h('textarea', {id: 'validate-input', rows: 8, spellcheck: 'false'});
  const output = h('div', {id: 'validate-output', 'aria-live': 'polite'});
  const form = h('form', {id: 'validate-form', class: 'validate'},
    h('label', {for: 'validate-input'}, 'A proposed config (HOCON): checked and compared with the live version, never applied'),
    input,
    h('button', {type: 'submit'}, 'Validate'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    if (input.value.trim() === '') {
      fill(output, h('p', {class: 'notice'}, 'Paste a config first (an empty box would validate the file on disk).'));
      return;
    }
    try {
      const result = await api.postJson('/config/validate', input.value);
      fill(output, h('p', {class: 'badge good'}, 'Valid. Against the live version:'), diffView(result.diff));
    } catch (error) {
      fill(output, h('p', {class: 'badge bad'}, 'Not valid: ' + error.message),
        h('ul', null, error.problems.map(problem => h('li', null, problem))));
    }
  });
  return h('section', {id: 'validate', 'aria-labelledby': 'validate-title'}, h('h2', {id: 'validate-title'}, 'Validate'), form, output);
}
