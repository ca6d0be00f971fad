// How numbers read on every page.

export function rate(value) {
  return value === null ? 'n/a' : (value >= 100 ? value.toFixed(0) : value.toFixed(2)) + ' req/s';
}

export function ratio(value) {
  return value === null ? 'no requests' : (value * 100).toFixed(value > 0 && value < 0.01 ? 2 : 1) + ' %';
}

export function seconds(value) {
  if (value === null) {
    return 'no requests';
  }
  return value < 1 ? (value * 1000).toFixed(1) + ' ms' : value.toFixed(2) + ' s';
}

export function duration(ms) {
  let rest = Math.max(0, Math.floor(ms / 1000));
  const parts = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['min', 60]]) {
    if (rest >= size) {
      parts.push(Math.floor(rest / size) + ' ' + unit);
      rest %= size;
    }
  }
  parts.push(rest + ' s');
  return parts.join(' ');
}
