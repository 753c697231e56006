// Starting bench/node workers: child_process.fork of worker.ts through tsx's loader in a
// checkout, or of the bundled bench-worker.mjs beside this code in the GPU kit
// (scripts/gpu-kit.sh). One job per process; its stderr is kept (the last lines) for the error
// when it dies without answering.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WorkerMessage, WorkerRequest } from './protocol.ts';

const BUNDLED = fileURLToPath(new URL('./bench-worker.mjs', import.meta.url));
const SOURCE = fileURLToPath(new URL('./worker.ts', import.meta.url));
const STDERR_KEPT = 4000;

function workerCommand(): { file: string; execArgv: string[] } {
  if (existsSync(BUNDLED)) return { file: BUNDLED, execArgv: [] };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
  return { file: SOURCE, execArgv: ['--import', tsx] };
}

export interface WorkerJob {
  job: WorkerRequest;
  onProgress?: (done: number, total: number) => void;
  timeoutMs: number;
}

/** The worker's answer (never a progress message); a worker that dies or times out rejects. */
export function runWorker({ job, onProgress, timeoutMs }: WorkerJob): Promise<Exclude<WorkerMessage, { kind: 'progress' }>> {
  const { file, execArgv } = workerCommand();
  const child = fork(file, [], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-STDERR_KEPT)));
  return new Promise((resolve, reject) => {
    let answered = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s (killed)`));
    }, timeoutMs);
    child.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') return onProgress?.(m.done, m.total);
      answered = true;
      clearTimeout(timer);
      resolve(m);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (answered) return;
      const tail = stderr.trim().split('\n').slice(-5).join(' | ');
      reject(new Error(`the worker exited (${signal ?? `code ${code}`}) without answering${tail ? `: ${tail}` : ''}`));
    });
    child.send(job);
  });
}
