// The GPU kit end to end (scripts/gpu-kit.sh, then the kit's run.sh), as on a machine with
// nothing installed: the kit folder copied into an empty directory, run with a PATH of a few
// shell tools only (no node, no npm: the test checks), SwiftShader as the Vulkan driver
// (`--icd`), its default bench (MobileNetV2 and BlazeFace, all four node engines). Checks the
// report it writes against the bench schema and that every engine ran and agrees; timings are
// reported, never asserted. Minutes long (the build ~15 s once its compressed files are cached, 4.5 minutes the first time; the bench 2.3 minutes on SwiftShader here),
// so it runs only with WEBGPU_INT8_KIT_TEST=1, outside the default `npm test`.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/driver/schema.ts';
import { validateReport } from '../../bench/driver/validate.ts';
import { SWIFTSHADER_ICD } from '../../src/gpu/node.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = process.env.WEBGPU_INT8_KIT_TEST === '1';
const why = run ? '' : ' (skipped: set WEBGPU_INT8_KIT_TEST=1 to build and run the kit, ~3 minutes)';
const TOOLS = ['sh', 'gzip', 'mktemp', 'chmod', 'cat', 'mkdir', 'rm', 'uname', 'getconf', 'sed', 'grep', 'tr', 'tee', 'dirname'];
const LIMIT = 60 * 2 ** 20;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webgpu-int8-kit-test-'));

const sizeOf = (d: string): number => fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).reduce((s, e) => s + fs.statSync(path.join(e.parentPath, e.name)).size, 0);

/** A folder of links to the shell tools run.sh uses, and nothing else. */
function toolsDir(): string {
  const bin = path.join(dir, 'tools');
  fs.mkdirSync(bin);
  for (const tool of TOOLS) fs.symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), path.join(bin, tool));
  return bin;
}

describe('the GPU kit (scripts/gpu-kit.sh)', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!run)(`builds to at most 60 MiB, and its run.sh benchmarks from an empty directory with no node or npm on the PATH${why}`, { timeout: 25 * 60_000 }, () => {
    expect(fs.existsSync(SWIFTSHADER_ICD), `SwiftShader's Vulkan driver manifest ${SWIFTSHADER_ICD} (Debian's chromium)`).toBe(true);
    const built = path.join(dir, 'built');
    execFileSync('bash', [path.join(ROOT, 'scripts/gpu-kit.sh'), built], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    const size = sizeOf(built);
    console.log(`kit: ${(size / 2 ** 20).toFixed(1)} MiB`);
    expect(size).toBeLessThanOrEqual(LIMIT);

    const empty = path.join(dir, 'machine');
    fs.mkdirSync(empty);
    fs.cpSync(built, path.join(empty, 'kit'), { recursive: true });
    const env = { PATH: toolsDir(), HOME: empty };
    expect(spawnSync('sh', ['-c', 'command -v node || command -v npm'], { env }).status, 'node or npm on the test PATH').not.toBe(0);

    const results = path.join(empty, 'results');
    const started = Date.now();
    const kit = spawnSync('sh', [path.join(empty, 'kit/run.sh'), '--icd', SWIFTSHADER_ICD, results], { env, cwd: empty, encoding: 'utf8', maxBuffer: 64 << 20 });
    console.log(`${kit.stdout}${kit.stderr}\nrun.sh: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(kit.status, kit.stderr).toBe(0);

    const report = JSON.parse(fs.readFileSync(path.join(results, 'latest.json'), 'utf8')) as BenchReport;
    expect(validateReport(report), 'schema problems').toEqual([]);
    expect(fs.readdirSync(results).filter((f) => f.startsWith('latest.') || f === 'run.log').sort()).toEqual(['latest.json', 'latest.md', 'latest.svg', 'run.log']);
    expect(report.node!.vulkanIcd).toBe(SWIFTSHADER_ICD);
    expect(report.git?.commit, 'the commit the kit was built from').toBe(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim());
    expect(report.models.map((m) => m.id)).toEqual(['mobilenet_v2_mid', 'blazeface-front']);
    for (const m of report.models) {
      expect(m.engines.map((e) => e.engine)).toEqual(['int8', 'fp32', 'ort-webgpu', 'ort-cpu']);
      for (const e of m.engines) {
        expect(e.status, `${m.id} ${e.engine}: ${JSON.stringify(e.error)}`).toBe('ok');
        expect(e.correctness!.verdict, `${m.id} ${e.engine}`).toBe('agrees');
      }
    }
  });
});
