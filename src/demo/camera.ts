import type { NoticeKind } from './notices.ts';

export interface CameraRequest {
  /** A deviceId from `listCameras()`, or '' for the browser's default camera. */
  deviceId: string;
  width: number;
  height: number;
}

/** A getUserMedia failure sorted into what the page tells the user. */
export class CameraError extends Error {
  constructor(
    readonly kind: Extract<NoticeKind, 'camera-denied' | 'no-camera' | 'camera-busy' | 'camera-error'>,
    readonly title: string,
    message: string,
  ) {
    super(message);
    this.name = 'CameraError';
  }
}

/** Sorts a getUserMedia rejection (a DOMException by name) into denied / no camera / busy / other. */
export function toCameraError(error: unknown): CameraError {
  const name = (error as { name?: string })?.name ?? '';
  const reason = (error as { message?: string })?.message || String(error);
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return new CameraError(
        'camera-denied',
        'Camera permission denied.',
        'Allow the camera for this page (the camera icon in the address bar, or the site settings) and press ' +
          '"Start camera" again. Images and video files work without it.',
      );
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return new CameraError('no-camera', 'No camera found.', `Connect a camera, or open an image or a video file instead. (${name}: ${reason})`);
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return new CameraError(
        'camera-busy',
        'The camera is busy or could not start.',
        `Another application or tab may be using it; close it and try again. (${name}: ${reason})`,
      );
    default:
      return new CameraError('camera-error', 'The camera could not start.', `${name || 'Error'}: ${reason}`);
  }
}

/** Opens a camera stream at (ideally) the requested size. Rejects with a `CameraError`. */
export async function openCamera(request: CameraRequest): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new CameraError(
      'no-camera',
      'No camera access in this page.',
      'Browsers give cameras only to secure pages: open the demo over https or on localhost.',
    );
  }
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: {
        ...(request.deviceId ? { deviceId: { exact: request.deviceId } } : {}),
        width: { ideal: request.width },
        height: { ideal: request.height },
      },
    });
  } catch (error) {
    throw toCameraError(error);
  }
}

/** The video inputs (labels are empty until the user has allowed a camera once). */
export async function listCameras(): Promise<MediaDeviceInfo[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  try {
    return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  } catch {
    return [];
  }
}

/** What the camera actually gives (it may differ from what was asked: cameras pick their nearest mode). */
export function trackSize(stream: MediaStream): { width: number; height: number; frameRate?: number } | null {
  const { width, height, frameRate } = stream.getVideoTracks()[0]?.getSettings() ?? {};
  if (!width || !height) return null;
  return { width, height, ...(frameRate ? { frameRate } : {}) };
}

export function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
