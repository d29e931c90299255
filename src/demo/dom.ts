/** The element with this id, checked to be of the expected kind (the page and the script must agree). */
export function byId<T extends HTMLElement>(id: string, kind: { new (): T; prototype: T }): T {
  const el = document.getElementById(id);
  if (!(el instanceof kind)) throw new Error(`The demo page has no <${kind.name}> with id "${id}".`);
  return el;
}

/** A `WxH` string as a size, or null. */
export function parseSize(text: string | null | undefined): { width: number; height: number } | null {
  const m = /^(\d+)x(\d+)$/.exec(text ?? '');
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
}

export const formatSize = (s: { width: number; height: number }): string => `${s.width}x${s.height}`;
