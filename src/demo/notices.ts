/** What went wrong; one notice per kind is shown at a time (a new one replaces the old). */
export type NoticeKind =
  | 'camera-denied'
  | 'no-camera'
  | 'camera-busy'
  | 'camera-error'
  | 'model-load'
  | 'webgpu-lost'
  | 'file-error'
  | 'detect-error';

export interface NoticeInfo {
  kind: NoticeKind;
  title: string;
  detail: string;
}

/**
 * Errors and warnings shown on the page (not only in the console). Each is a dismissible box; errors are
 * announced assertively (role="alert"), warnings politely (role="status").
 */
export class Notices {
  private readonly shown = new Map<NoticeKind, { info: NoticeInfo; el: HTMLElement }>();

  constructor(private readonly container: HTMLElement) {}

  show(kind: NoticeKind, title: string, detail = '', level: 'error' | 'warning' = 'error', link?: { href: string; text: string }): void {
    this.clear(kind);
    const el = document.createElement('div');
    el.className = `notice notice-${level}`;
    el.dataset.kind = kind;
    el.setAttribute('role', level === 'error' ? 'alert' : 'status');
    const strong = document.createElement('strong');
    strong.textContent = title;
    const text = document.createElement('span');
    text.className = 'notice-detail';
    text.textContent = detail;
    el.append(strong, ' ', text);
    if (link) {
      const a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.text;
      el.append(' ', a);
    }
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'notice-close';
    close.setAttribute('aria-label', `Dismiss: ${title}`);
    close.textContent = '×';
    close.addEventListener('click', () => this.clear(kind));
    el.append(close);
    this.container.append(el);
    this.shown.set(kind, { info: { kind, title, detail }, el });
  }

  clear(...kinds: NoticeKind[]): void {
    for (const kind of kinds) {
      this.shown.get(kind)?.el.remove();
      this.shown.delete(kind);
    }
  }

  list(): NoticeInfo[] {
    return [...this.shown.values()].map((n) => n.info);
  }
}
