// Confirmation of a write action in a modal <dialog>: Escape or Cancel declines.

/** @returns {Promise<boolean>} whether the person confirmed */
export function confirm(title, text, action) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  const ok = document.getElementById('confirm-ok');
  const cancel = document.getElementById('confirm-cancel');
  ok.textContent = action;
  return new Promise(resolve => {
    const done = answer => {
      ok.removeEventListener('click', yes);
      cancel.removeEventListener('click', no);
      dialog.removeEventListener('close', no);
      if (dialog.open) {
        dialog.close();
      }
      resolve(answer);
    };
    const yes = () => done(true);
    const no = () => done(false);
    ok.addEventListener('click', yes);
    cancel.addEventListener('click', no);
    dialog.addEventListener('close', no);
    dialog.showModal();
    cancel.focus();
  });
}
