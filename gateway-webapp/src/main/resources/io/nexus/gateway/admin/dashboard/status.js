// The line under the header that says what just happened, read out by screen readers.

export function status(message, kind) {
  const element = document.getElementById('status');
  element.textContent = message;
  element.className = 'status ' + (kind || '');
}
