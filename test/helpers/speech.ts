// Real speech for the wake-word models: Debian's espeak-ng says a phrase, read here as 16 kHz
// mono samples in int16 scale (what openWakeWord's melspectrogram model takes).

import { execFileSync } from 'node:child_process';

const RATE = 16000;

/** Samples of `phrase` spoken by espeak-ng, with `padSeconds` of silence before and after. */
export function speech(phrase: string, padSeconds = 1): Float32Array {
  let wav: Buffer;
  try {
    wav = execFileSync('espeak-ng', ['--stdout', '-s', '140', phrase]);
  } catch (e) {
    throw new Error(`espeak-ng could not speak "${phrase}" (apt-get install espeak-ng): ${(e as Error).message}`);
  }
  const { rate, samples } = readWav(wav);
  const spoken = resample(samples, rate, RATE);
  const pad = Math.round(padSeconds * RATE);
  const out = new Float32Array(pad + spoken.length + pad);
  out.set(spoken, pad);
  return out;
}

/** 16-bit PCM mono WAV: the sample rate and the samples (int16 scale). espeak-ng leaves the sizes 0 when writing to a pipe. */
function readWav(b: Buffer): { rate: number; samples: Float32Array } {
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') throw new Error('espeak-ng did not write a WAV file');
  let at = 12;
  let rate = 0;
  while (at + 8 <= b.length) {
    const id = b.toString('ascii', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      if (b.readUInt16LE(at + 8) !== 1 || b.readUInt16LE(at + 10) !== 1 || b.readUInt16LE(at + 22) !== 16) throw new Error('espeak-ng WAV is not 16-bit PCM mono');
      rate = b.readUInt32LE(at + 12);
    } else if (id === 'data') {
      const end = size > 0 && at + 8 + size <= b.length ? at + 8 + size : b.length;
      const n = Math.floor((end - at - 8) / 2);
      const samples = new Float32Array(n);
      for (let i = 0; i < n; i++) samples[i] = b.readInt16LE(at + 8 + 2 * i);
      return { rate, samples };
    }
    at += 8 + size;
  }
  throw new Error('espeak-ng WAV has no data chunk');
}

/** Linear interpolation: enough for speech going from 22.05 kHz down to 16 kHz for a detector. */
function resample(x: Float32Array, from: number, to: number): Float32Array {
  const n = Math.floor((x.length * to) / from);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = (i * from) / to;
    const k = Math.floor(t);
    const f = t - k;
    out[i] = (x[k] ?? 0) * (1 - f) + (x[k + 1] ?? 0) * f;
  }
  return out;
}
