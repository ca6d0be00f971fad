// A page that redraws itself on a timer while it is shown, and stops when another page is.

/**
 * @param refresh called with the page at once and then every `ms` while shown; it draws into
 *     page.body, and checks page.shown after an await (the person may have moved on)
 */
export function pollingPage(refresh, ms) {
  let timer = null;
  let body = null;
  const page = {
    get shown() {
      return timer !== null;
    },
    get body() {
      return body;
    },
    show(element) {
      body = element;
      timer = setInterval(() => refresh(page), ms);
      refresh(page);
    },
    hide() {
      clearInterval(timer);
      timer = null;
    },
  };
  return page;
}
