// Reads the Prometheus text format of /metrics and turns successive scrapes into rates,
// ratios and quantiles, the way PromQL's rate() and histogram_quantile() would.

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescape(value) {
  return value.replace(/\\(.)/g, (match, c) => (c === 'n' ? '\n' : c));
}

function number(text) {
  if (text === '+Inf') {
    return Infinity;
  }
  if (text === '-Inf') {
    return -Infinity;
  }
  return Number(text);
}

/** @returns {Map<string, {labels: Object, value: number}[]>} samples by metric name */
export function parse(text) {
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const match = LINE.exec(line);
    if (!match) {
      continue;
    }
    const labels = {};
    for (const label of (match[2] || '').matchAll(LABEL)) {
      labels[label[1]] = unescape(label[2]);
    }
    if (!samples.has(match[1])) {
      samples.set(match[1], []);
    }
    samples.get(match[1]).push({labels, value: number(match[3])});
  }
  return samples;
}

/** The samples of one metric, [] when absent. */
export function series(scrape, name) {
  return scrape.samples.get(name) || [];
}

/** The sum of a metric's samples that pass the filter. */
export function sum(scrape, name, filter) {
  return series(scrape, name).filter(sample => !filter || filter(sample.labels))
    .reduce((total, sample) => total + sample.value, 0);
}

/** The value of a gauge without labels, or null. */
export function gauge(scrape, name) {
  const samples = series(scrape, name);
  return samples.length === 0 ? null : samples[0].value;
}

/** Per key, the increase of a counter between two scrapes (a reset counts from zero, like rate()). */
export function increase(older, newer, name, keyOf) {
  const before = new Map();
  for (const sample of series(older, name)) {
    const key = keyOf(sample.labels);
    before.set(key, (before.get(key) || 0) + sample.value);
  }
  const after = new Map();
  for (const sample of series(newer, name)) {
    const key = keyOf(sample.labels);
    after.set(key, (after.get(key) || 0) + sample.value);
  }
  const increases = new Map();
  for (const [key, value] of after) {
    const previous = before.get(key) || 0;
    increases.set(key, value >= previous ? value - previous : value);
  }
  return increases;
}

/**
 * Per key, the histogram's bucket increases between two scrapes: [{le, count}] sorted by le,
 * cumulative as Prometheus writes them.
 */
export function bucketIncreases(older, newer, name, keyOf) {
  const perBucket = increase(older, newer, name + '_bucket', labels => keyOf(labels) + '\u0000' + labels.le);
  const histograms = new Map();
  for (const [compound, count] of perBucket) {
    const [key, le] = compound.split('\u0000');
    if (!histograms.has(key)) {
      histograms.set(key, []);
    }
    histograms.get(key).push({le: number(le), count});
  }
  for (const buckets of histograms.values()) {
    buckets.sort((a, b) => a.le - b.le);
  }
  return histograms;
}

/**
 * The q-quantile of cumulative buckets, interpolated inside its bucket as histogram_quantile()
 * does; null without observations.
 */
export function quantile(q, buckets) {
  if (buckets.length === 0) {
    return null;
  }
  const total = buckets[buckets.length - 1].count;
  if (total <= 0) {
    return null;
  }
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) {
        return lowerBound;
      }
      const inBucket = bucket.count - lowerCount;
      return inBucket <= 0 ? bucket.le : lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

/** Adds buckets of several histograms with the same bounds. */
export function mergeBuckets(histograms) {
  const byBound = new Map();
  for (const buckets of histograms) {
    for (const bucket of buckets) {
      byBound.set(bucket.le, (byBound.get(bucket.le) || 0) + bucket.count);
    }
  }
  return [...byBound.entries()].map(([le, count]) => ({le, count})).sort((a, b) => a.le - b.le);
}

/** What one window between two scrapes saw, per route and in total. */
export function window(older, newer) {
  const seconds = (newer.time - older.time) / 1000;
  const routeOf = labels => labels.route;
  const requests = increase(older, newer, 'nexus_requests_total', routeOf);
  const errors = increase(older, newer, 'nexus_requests_total',
    labels => (Number(labels.code) >= 500 ? labels.route : '\u0000ok'));
  // Histograms are per route (route-histograms) or per group (route=""): keyed "route|group".
  const histograms = bucketIncreases(older, newer, 'nexus_request_duration_seconds',
    labels => labels.route + '|' + (labels.group || ''));
  const routes = new Map();
  for (const [route, count] of requests) {
    routes.set(route, {
      rate: seconds > 0 ? count / seconds : 0,
      errorRatio: count > 0 ? (errors.get(route) || 0) / count : null,
    });
  }
  let total = 0;
  let totalErrors = 0;
  for (const [route, count] of requests) {
    total += count;
    totalErrors += errors.get(route) || 0;
  }
  const latency = new Map();
  for (const [key, buckets] of histograms) {
    latency.set(key, quantile(0.99, buckets));
  }
  return {
    seconds,
    routes,
    latency,
    rate: seconds > 0 ? total / seconds : 0,
    errorRatio: total > 0 ? totalErrors / total : null,
    p99: quantile(0.99, mergeBuckets(histograms.values())),
    overloaded: [...increase(older, newer, 'nexus_rejected_requests_total',
      labels => labels.reason).entries()].find(([reason]) => reason === 'overloaded')?.[1] || 0,
  };
}

/** Scrapes kept for the charts: one every refresh, for a few minutes. */
export class History {
  constructor(keep) {
    this.keep = keep;
    this.scrapes = [];
  }

  add(text, time) {
    this.scrapes.push({samples: parse(text), time});
    if (this.scrapes.length > this.keep) {
      this.scrapes.shift();
    }
  }

  latest() {
    return this.scrapes[this.scrapes.length - 1];
  }

  /** The window from the oldest scrape no older than `ms` before the latest, or null with one scrape. */
  over(ms) {
    const latest = this.latest();
    if (this.scrapes.length < 2) {
      return null;
    }
    const start = this.scrapes.find(scrape => latest.time - scrape.time <= ms) || this.scrapes[0];
    return window(start === latest ? this.scrapes[this.scrapes.length - 2] : start, latest);
  }

  /** One window per pair of successive scrapes, oldest first: the points of the charts. */
  steps() {
    const steps = [];
    for (let i = 1; i < this.scrapes.length; i++) {
      steps.push(window(this.scrapes[i - 1], this.scrapes[i]));
    }
    return steps;
  }
}
