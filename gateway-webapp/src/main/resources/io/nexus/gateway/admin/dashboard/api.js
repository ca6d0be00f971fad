// The admin API and /metrics, by URLs relative to the dashboard (../api/v1/...), so that the
// same files work at the admin port's root and under a WAR's /_nexus prefix. The token lives in
// this tab's sessionStorage only and goes out as a bearer header, never in a URL or a cookie.

const TOKEN_KEY = 'nexus-admin-token';
const API = '../api/v1';

let token = sessionStorage.getItem(TOKEN_KEY);
const listeners = new Set();

/** An answer other than 2xx, with the gateway's error message when it sent one. */
export class ApiError extends Error {
  constructor(status, message, problems) {
    super(message);
    this.status = status;
    this.problems = problems || [];
  }
}

export function hasToken() {
  return token !== null;
}

/** Called with no argument whenever the token is set or dropped. */
export function onSessionChange(listener) {
  listeners.add(listener);
}

function setToken(value) {
  token = value;
  if (value === null) {
    sessionStorage.removeItem(TOKEN_KEY);
  } else {
    sessionStorage.setItem(TOKEN_KEY, value);
  }
  listeners.forEach(listener => listener());
}

export function signOut() {
  setToken(null);
}

async function send(url, options, withToken) {
  const headers = new Headers(options.headers || {});
  if (withToken !== null) {
    headers.set('Authorization', 'Bearer ' + withToken);
  }
  return fetch(url, {
    ...options,
    headers,
    cache: 'no-store',
    credentials: 'omit',
    redirect: 'error',
    referrerPolicy: 'no-referrer',
  });
}

async function failure(response) {
  let message = response.status + ' ' + response.statusText;
  let problems = [];
  try {
    const body = await response.json();
    if (body.error) {
      message = body.error.message;
      problems = (body.error.problems || []).map(problem => problem.text);
    }
  } catch (ignored) {
    // Not the gateway's JSON error: the status line says enough.
  }
  if (response.status === 401 && token !== null) {
    // The gateway no longer takes this token (restarted with another): back to read-only.
    setToken(null);
  }
  return new ApiError(response.status, message, problems);
}

/**
 * Checks a token against the API before keeping it.
 * @returns {Promise<string|null>} null when accepted, else why not
 */
export async function signIn(candidate) {
  const response = await send(API + '/config/versions', {method: 'GET'}, candidate);
  if (response.ok) {
    setToken(candidate);
    return null;
  }
  if (response.status === 401) {
    return 'The gateway refused this token.';
  }
  if (response.status === 403) {
    return 'The admin API is disabled on this gateway: it was started without nexus.admin.token.';
  }
  return 'Could not check the token: ' + (await failure(response)).message;
}

async function call(path, options) {
  const response = await send(API + path, options || {method: 'GET'}, token);
  if (!response.ok) {
    throw await failure(response);
  }
  return response;
}

export async function getJson(path) {
  return (await call(path)).json();
}

export async function getText(path) {
  return (await call(path)).text();
}

export async function postJson(path, body) {
  const options = {method: 'POST'};
  if (body !== undefined) {
    options.body = body;
    options.headers = {'Content-Type': 'text/plain;charset=utf-8'};
  }
  return (await call(path, options)).json();
}

/**
 * Whether the gateway has an endpoint that answers POST only: a GET then answers 405, where an
 * unknown path answers 404. Nothing is sent that could change anything.
 */
export async function hasPostEndpoint(path) {
  const response = await send(API + path, {method: 'GET'}, token);
  return response.status === 405;
}

/** The Prometheus text of /metrics and the server's clock (its Date header), in ms. */
export async function scrape() {
  const response = await send('../metrics', {method: 'GET'}, token);
  if (!response.ok) {
    throw await failure(response);
  }
  const date = Date.parse(response.headers.get('Date'));
  return {text: await response.text(), serverTime: Number.isNaN(date) ? Date.now() : date};
}
