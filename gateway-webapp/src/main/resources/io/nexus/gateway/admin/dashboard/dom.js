// Builds DOM nodes from text: nothing here parses HTML, so whatever a route, header or
// config is called shows as text (the CSP forbids inline script as a second line of defence).

const SVG = 'http://www.w3.org/2000/svg';

function build(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name.toLowerCase().startsWith('on')) {
      throw new Error('event handlers are added with addEventListener, not as attribute ' + name);
    }
    if (value === false || value === null || value === undefined) {
      continue;
    }
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** An HTML element: h('td', {class: 'x'}, 'text', otherNode). */
export function h(tag, attributes, ...children) {
  return build(document.createElement(tag), attributes, children);
}

/** An SVG element. */
export function svg(tag, attributes, ...children) {
  return build(document.createElementNS(SVG, tag), attributes, children);
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  return build(element, null, children);
}

/** A table whose cells carry their column's name, which the phone layout shows beside each value. */
export function table(caption, columns, rows) {
  return h('div', {class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: 0},
    h('table', null,
      h('caption', null, caption),
      h('thead', null, h('tr', null, columns.map(column => h('th', {scope: 'col'}, column)))),
      h('tbody', null, rows.map(row => h('tr', row.attributes || null,
        row.cells.map((cell, i) => h('td', {'data-label': columns[i]}, cell)))))));
}

/** A state written out, with a class for its colour: the colour is never the only sign. */
export function badge(text, kind) {
  return h('span', {class: 'badge ' + kind}, text);
}
