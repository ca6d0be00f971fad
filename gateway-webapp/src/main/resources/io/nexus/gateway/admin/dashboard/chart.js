// Line charts drawn as SVG: no library, nothing loaded from elsewhere. Each chart carries its
// latest value as text (aria-label and <title>), so it reads without seeing the line.
import {svg} from './dom.js';

/**
 * @param values numbers or null (no data in that step), oldest first
 * @param options {width, height, label, format}
 */
export function lineChart(values, options) {
  const width = options.width || 300;
  const height = options.height || 80;
  const known = values.filter(value => value !== null && Number.isFinite(value));
  const max = Math.max(options.min || 0, ...known) || 1;
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = [];
  values.forEach((value, i) => {
    if (value !== null && Number.isFinite(value)) {
      points.push((i * step).toFixed(1) + ',' + (height - 2 - (value / max) * (height - 4)).toFixed(1));
    }
  });
  const latest = known.length ? options.format(known[known.length - 1]) : 'no data yet';
  const description = options.label + ': ' + latest + ' (highest ' + (known.length ? options.format(max) : 'n/a') + ')';
  return svg('svg', {
    class: 'chart',
    viewBox: '0 0 ' + width + ' ' + height,
    preserveAspectRatio: 'none',
    role: 'img',
    'aria-label': description,
    width,
    height,
  },
  svg('title', null, description),
  svg('line', {class: 'axis', x1: 0, y1: height - 1, x2: width, y2: height - 1}),
  points.length > 1 ? svg('polyline', {class: 'line', points: points.join(' ')}) : null,
  points.length === 1 ? svg('circle', {class: 'dot', cx: points[0].split(',')[0], cy: points[0].split(',')[1], r: 2}) : null);
}
