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

export interface NoticeOptions {
  level?: 'error' | 'warning';
  link?: { href: string; text: string };
  /** Where focus goes when this notice is dismissed while it has focus: the control that deals with it. */
  returnFocus?: HTMLElement;
}

/**
 * Errors and warnings shown on the page (not only in the console). Each is a dismissible box; errors are
 * announced assertively (role="alert"), warnings politely (role="status"). Focus never falls to the page's
 * body when a focused notice goes: it moves to the notice's `returnFocus` control, else to another notice's
 * close button, else to `fallbackFocus`.
 */
export class Notices {
  private readonly shown = new Map<NoticeKind, { info: NoticeInfo; el: HTMLElement; returnFocus?: HTMLElement }>();

  constructor(
    private readonly container: HTMLElement,
    private readonly fallbackFocus: HTMLElement,
  ) {}

  show(kind: NoticeKind, title: string, detail = '', options: NoticeOptions = {}): void {
    const { level = 'error', link, returnFocus } = options;
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
    this.shown.set(kind, { info: { kind, title, detail }, el, ...(returnFocus ? { returnFocus } : {}) });
  }

  clear(...kinds: NoticeKind[]): void {
    for (const kind of kinds) {
      const notice = this.shown.get(kind);
      if (!notice) continue;
      const hadFocus = notice.el.contains(document.activeElement);
      notice.el.remove();
      this.shown.delete(kind);
      if (hadFocus) this.moveFocus(notice.returnFocus);
    }
  }

  list(): NoticeInfo[] {
    return [...this.shown.values()].map((n) => n.info);
  }

  private moveFocus(preferred: HTMLElement | undefined): void {
    const others = [...this.shown.values()].map((n) => n.el.querySelector<HTMLElement>('.notice-close')!);
    for (const target of [preferred, ...others, this.fallbackFocus]) {
      if (!target || !target.isConnected || (target as HTMLButtonElement).disabled || target.closest('[hidden]')) continue;
      target.focus();
      if (document.activeElement === target) return;
    }
  }
}
