/**
 * Whether a model file is served at `url`: a HEAD request that answers 2xx with something other than an HTML
 * page (dev servers and single-page apps answer unknown paths with index.html).
 */
export async function isModelInstalled(url: URL): Promise<boolean> {
  try {
    const response = await fetch(url, { method: 'HEAD', cache: 'no-store' });
    const type = response.headers.get('content-type') ?? '';
    return response.ok && !/text\/html/i.test(type);
  } catch {
    return false;
  }
}
