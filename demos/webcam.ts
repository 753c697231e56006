// The webcam as an input: offered only when the browser has a camera; while it is live the run
// loop takes a frame per run (webcamFrame) instead of the chosen image.

import { showAlert } from './alerts.ts';
import { byId, h } from './dom.ts';
import { frameImage, type InputImage } from './inputs.ts';
import { renderCompare } from './results.ts';
import { state } from './state.ts';

/** What starts the runs once the camera is live (the run loop's requestRun). */
let onLive: () => void = () => undefined;

async function startWebcam(): Promise<void> {
  if (state.webcam) return stopWebcam();
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' }, audio: false });
    const video = h('video', { playsinline: true, muted: true });
    video.srcObject = stream;
    await video.play();
    state.webcam = { stream, video, frame: 0 };
    byId('webcam-button').textContent = 'Stop webcam';
    byId('webcam-button').classList.add('live');
    onLive();
  } catch (e) {
    const name = (e as DOMException).name;
    const why =
      name === 'NotAllowedError'
        ? 'the browser (or you) did not allow camera access'
        : name === 'NotFoundError'
          ? 'no camera was found'
          : name === 'NotReadableError'
            ? 'the camera is in use by another application'
            : (e as Error).message;
    showAlert('error', `The webcam could not start: ${why}.`);
  }
}

export function stopWebcam(): void {
  const cam = state.webcam;
  if (!cam) return;
  state.webcam = undefined;
  for (const t of cam.stream.getTracks()) t.stop();
  byId('webcam-button').textContent = 'Webcam';
  byId('webcam-button').classList.remove('live');
  renderCompare();
}

/** The current frame (at most 640 px wide), or undefined before the video has one. */
export function webcamFrame(): InputImage | undefined {
  const cam = state.webcam;
  if (!cam || cam.video.videoWidth === 0) return undefined;
  const scale = Math.min(1, 640 / cam.video.videoWidth);
  return frameImage(`webcam/${cam.frame++}`, cam.video, Math.round(cam.video.videoWidth * scale), Math.round(cam.video.videoHeight * scale));
}

/** Shows the webcam button when there is a camera; `live` runs once it streams. */
export async function offerWebcam(live: () => void): Promise<void> {
  onLive = live;
  if (!navigator.mediaDevices?.getUserMedia) return;
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    if (!devices.some((d) => d.kind === 'videoinput')) return;
  } catch {
    return;
  }
  const button = byId('webcam-button');
  button.hidden = false;
  button.addEventListener('click', () => void startWebcam());
}
