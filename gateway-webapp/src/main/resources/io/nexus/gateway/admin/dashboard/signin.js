// What a page that reads the admin API shows before a token is given.
import {h} from './dom.js';

export function needed(what) {
  return h('p', {class: 'notice signin-needed'},
    'Sign in with the admin token to see ' + what + ': the admin API answers only with the token (docs/admin-api.md). '
    + 'The overview works without it where /metrics is open.');
}
