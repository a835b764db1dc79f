// Shared by the console's pages. Every text from the database reaches the page through
// textContent (el() below): never as HTML, so a task error or flag reason cannot inject markup.

/** Reads one JSON endpoint; throws an Error with the server's one-line reason on a non-2xx answer. */
export async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${path}: HTTP ${response.status}`);
  return body;
}

/** An element with attributes and children; strings become text nodes, never markup. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces a table body's rows. */
export function setRows(tbody, rows) {
  tbody.replaceChildren(...rows);
}

/** A date-time for people: UTC, to the second, or a dash. */
export function when(value) {
  return value ? `${String(value).slice(0, 19).replace('T', ' ')} UTC` : '–';
}

/** Shows (or clears) the page's one-line error banner. */
export function showError(error) {
  const banner = document.getElementById('error');
  if (!banner) return;
  banner.textContent = error ? String(error.message ?? error) : '';
  banner.hidden = !error;
}

/** Runs `refresh` now and then every `ms`, one at a time (a slow answer never stacks requests). */
export function every(ms, refresh) {
  const tick = async () => {
    try {
      await refresh();
      showError(undefined);
    } catch (error) {
      showError(error);
    }
    setTimeout(tick, ms);
  };
  tick();
}
