export type MediaKind = 'image' | 'video';

/** Image or video, from the MIME type (or the extension when the browser gives no type). */
export function mediaKind(file: File): MediaKind | null {
  if (file.type.startsWith('image/')) return 'image';
  if (file.type.startsWith('video/')) return 'video';
  if (/\.(jpe?g|png|webp|gif|bmp|avif)$/i.test(file.name)) return 'image';
  if (/\.(mp4|webm|mov|m4v|ogv|mkv)$/i.test(file.name)) return 'video';
  return null;
}

/** Decodes an image file with its EXIF orientation applied (a phone's portrait photo stays upright). */
export async function decodeImage(file: Blob): Promise<ImageBitmap> {
  return createImageBitmap(file, { imageOrientation: 'from-image' });
}

/** Lets files be dropped on `zone`; highlights it while something is dragged over it. */
export function acceptDrops(zone: HTMLElement, onFile: (file: File) => void): void {
  const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
  zone.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer!.dropEffect = 'copy';
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    zone.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (!file) return;
    e.preventDefault();
    onFile(file);
  });
}
