/** Where the page explains how to install models (its own words: the README is not served by every host). */
export const MODELS_HELP_LINK = { href: '#models-help', text: 'Installing models' } as const;

/** Links to `#models-help` open the help in place and move focus to it, without leaving the page. */
export function wireModelsHelp(help: HTMLDetailsElement): void {
  const open = () => {
    help.open = true;
    help.scrollIntoView({ block: 'nearest' });
    help.querySelector('summary')?.focus();
  };
  document.addEventListener('click', (e) => {
    const link = (e.target as Element | null)?.closest?.(`a[href="${MODELS_HELP_LINK.href}"]`);
    if (!link) return;
    e.preventDefault();
    open();
  });
  if (location.hash === MODELS_HELP_LINK.href) open();
}
