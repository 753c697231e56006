// The bench report as markdown: what ran where, the peaks, one row per model × engine, int8 vs
// our fp32, and where the int8 kernels stand against the adapter's peaks.
import { engineLabel, type BenchReport, type EngineReport, type ModelReport } from './schema.ts';

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(100 * v).toFixed(v < 0.1 ? 1 : 0)}%`);
const bytes = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v >= 1 << 20 ? `${(v / (1 << 20)).toFixed(1)} MiB` : `${(v / 1024).toFixed(1)} KiB`);
const num = (v: number, digits = 2) => (v >= 100 ? v.toFixed(0) : v.toFixed(digits));

function check(r: EngineReport): string {
  const c = r.correctness;
  if (!c) return '–';
  const task = c.top1
    ? `top-1 ${c.top1.agrees ? 'same' : `${c.top1.engine} vs ${c.top1.reference}`}`
    : c.faces
      ? `faces ${c.faces.matched}/${c.faces.reference} (${c.faces.engine} found)`
      : c.textMap
        ? `text map IoU ${c.textMap.iou.toFixed(3)}`
        : c.matte
          ? `matte MAE ${c.matte.mae.toExponential(1)}, IoU ${c.matte.iou.toFixed(3)}`
          : '';
  return `${c.verdict}${c.against ? ` (vs ${c.against} ref)` : ''}: ${task}, max rel ${c.maxRel.toExponential(1)}`;
}

function engineRow(m: ModelReport, r: EngineReport): string {
  if (r.status !== 'ok') return `| ${m.id} | ${engineLabel(r)} | ${r.status}: ${r.error?.stage}: ${(r.error?.message ?? '').replace(/\|/g, '\\|').slice(0, 160)} | | | | | | | |`;
  const l = r.latencyMs!;
  return `| ${m.id} | ${engineLabel(r)} | ${l.runs} | ${ms(l.median)} | ${ms(l.p10)}–${ms(l.p90)} | ${ms(r.firstRunMs)} | ${ms(r.gpu?.ms)} | ${num(r.gops!.e2e, 3)} | ${bytes(r.memory?.totalBytes)} | ${check(r)} |`;
}

function int8VsFp32(m: ModelReport): string | null {
  const int8 = m.engines.find((e) => e.engine === 'int8' && e.status === 'ok');
  const fp32 = m.engines.find((e) => e.engine === 'fp32' && e.status === 'ok');
  if (!int8 || !fp32) return null;
  const speed = fp32.latencyMs!.median / int8.latencyMs!.median;
  const mem = int8.memory!.totalBytes! / fp32.memory!.totalBytes!;
  return `| ${m.id} | ${ms(int8.latencyMs!.median)} | ${ms(fp32.latencyMs!.median)} | ${speed.toFixed(2)}× | ${bytes(int8.memory!.totalBytes)} | ${bytes(fp32.memory!.totalBytes)} | ${pct(mem)} |`;
}

/**
 * The other rows' engines as the tables name them, in --engines order: onnxruntime's run on a
 * dynamic model's dynamic file (`ort-webgpu (dynamic)`) just before its float row.
 */
function otherLabels(report: BenchReport): string[] {
  const rows = report.models.flatMap((m) => m.engines);
  return report.options.engines
    .filter((e) => e !== 'int8')
    .flatMap((e) => [...(rows.some((r) => r.engine === e && r.onnx === 'dynamic') ? [engineLabel({ engine: e, onnx: 'dynamic' })] : []), ...(rows.some((r) => r.engine === e && r.onnx !== 'dynamic') || !rows.some((r) => r.engine === e) ? [e] : [])]);
}

/** int8's speed-up over every other engine that ran: their median (first run) over int8's. */
function int8VsAll(report: BenchReport): string[] {
  const others = otherLabels(report);
  const cell = (m: ModelReport, engine: string, key: 'median' | 'first') => {
    const int8 = m.engines.find((e) => e.engine === 'int8' && e.status === 'ok');
    const other = m.engines.find((e) => engineLabel(e) === engine && e.status === 'ok');
    if (!int8 || !other) return '–';
    const ratio = key === 'median' ? other.latencyMs!.median / int8.latencyMs!.median : other.firstRunMs! / int8.firstRunMs!;
    return `${ratio < 0.1 ? ratio.toPrecision(2) : ratio.toFixed(2)}×`;
  };
  if (!report.options.engines.includes('int8') || others.length === 0) return [];
  return [
    `int8 speed-up over each engine (its time / int8's; > 1 means int8 is faster), steady state (median) and first run:`,
    '',
    `| model | ${others.map((e) => `vs ${e}`).join(' | ')} | ${others.map((e) => `first run vs ${e}`).join(' | ')} |`,
    `|---|${others.map(() => '---|').join('')}${others.map(() => '---|').join('')}`,
    ...report.models.map((m) => `| ${m.id} | ${others.map((e) => cell(m, e, 'median')).join(' | ')} | ${others.map((e) => cell(m, e, 'first')).join(' | ')} |`),
    '',
  ];
}

function peakSection(m: ModelReport, r: EngineReport | undefined): string[] {
  if (!r?.kernels || !r.peakFraction) return [];
  const p = r.peakFraction;
  const byMath = Object.entries(p.byMath).map(([k, v]) => `${k}: ${v.ms.toFixed(1)} ms at ${num(v.gops)} GOPS = ${pct(v.ofPeak)} of peak`);
  const byLayer = Object.entries(p.byLayer).map(([k, v]) => `${k} (${v.kernels}): ${v.ms.toFixed(1)} ms, ${num(v.gops)} GOPS, ${pct(v.ofPeak)} of peak`);
  const top = r.kernels.filter((k) => k.macs !== null).sort((a, b) => b.ms - a.ms).slice(0, 8);
  return [
    `**${m.id}** int8: conv/gemm kernels ${p.convGpuMs.toFixed(1)} ms of ${ms(r.gpu?.ms)} ms GPU time, ${num(p.convGops)} GOPS; ` +
      `${pct(p.ofPeak)} of their variants' peak (${pct(p.ofPeakWholeGpu)} counting every dispatch). By arithmetic: ${byMath.join('; ')}. By layer: ${byLayer.join('; ')}.`,
    '',
    '| kernel | layer | shader | math | ms | MMACs | GOPS | of peak |',
    '|---|---|---|---|---|---|---|---|',
    ...top.map((k) => `| ${k.label.split('/').slice(-3).join('/')} | ${k.layer} | ${k.shader} | ${k.math} | ${ms(k.ms)} | ${(k.macs! / 1e6).toFixed(1)} | ${k.gops === null ? '–' : num(k.gops)} | ${pct(k.peakFraction)} |`),
    '',
  ];
}

/** Where the engines ran: headless Chromium, or node on Dawn (with the adapter flag, if any). */
function hostOf(report: BenchReport): string {
  if (report.browser) return `${report.browser.version} headless`;
  const n = report.node;
  return `node ${report.machine.node} on Dawn (npm webgpu ${n?.webgpu ?? '?'}${n?.dawnFlags.length ? `, ${n.dawnFlags.join(' ')}` : ''}; onnxruntime-node ${n?.onnxruntimeNode ?? '–'})`;
}

export function markdownReport(report: BenchReport): string {
  const a = report.adapter;
  const g = (r: { gops: number } | { error: string }) => ('gops' in r ? num(r.gops) : 'n/a');
  const lines = [
    `Bench of ${report.date} (${report.durationSeconds.toFixed(0)} s${report.git ? `, commit ${report.git.commit.slice(0, 7)}${report.git.changedFiles ? ` + ${report.git.changedFiles} changed files` : ''}` : ''}): ${hostOf(report)}, adapter **${a.vendor} ${a.architecture}**` +
      `${a.isFallbackAdapter ? ' (fallback adapter)' : ''}, dot4I8Packed ${a.dot4I8Packed ? 'native' : 'absent'}, ${report.machine.cores} CPU cores (${report.machine.cpu}), ` +
      `load average ${report.machine.loadAverage.start[0]!.toFixed(1)} → ${report.machine.loadAverage.end[0]!.toFixed(1)}. ` +
      `${report.options.runs} timed runs${report.options.budgetSeconds ? ` (or as many as fit in ${report.options.budgetSeconds} s, at least 3: see "runs")` : ''} after ${report.options.warmup} warm-ups (plus the first run) per model × engine${report.options.variant ? `; conv variant forced: ${report.options.variant}` : ''}.`,
    '',
  ];
  if (report.node) {
    const n = report.node;
    lines.push(`Dawn's adapters: ${'error' in n.adapters ? `not listed (${n.adapters.error})` : n.adapters.join('; ')}. Vulkan driver manifest: ${n.vulkanIcd ?? 'the loader\'s default search'}. Adapter features: ${n.adapterFeatures.join(', ') || '–'}.`, '');
  }
  if (report.emulated) {
    lines.push('> **These are CPU-emulation figures, not GPU speed.** The adapter is SwiftShader (or another fallback adapter): WebGPU runs on the CPU here, so the numbers rank kernels on this machine only; on a real GPU the order can reverse.', '');
  }
  lines.push(
    `Peaks measured by the bench (WGSL, 256-thread workgroups, 8 independent chains per thread, no memory traffic): dot4I8Packed **${g(report.peaks.dot4)} GOPS**, ` +
      `f32 FMA **${g(report.peaks.f32)}** (scalar) / **${g(report.peaks.f32vec4)}** (vec4) GFLOPS, vec4<i32> multiply-add ${g(report.peaks.i32vec4)} GOPS.`,
    '',
    '| model | engine | runs | median ms | p10–p90 ms | first run ms | GPU ms | GOPS (e2e) | GPU memory | vs float reference |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...report.models.flatMap((m) => m.engines.map((r) => engineRow(m, r))),
    '',
    report.browser
      ? 'Latency is end to end (input upload → output read back). First run = model files fetched + session/pipeline creation + the first inference (the engines’ own code loads untimed). GPU ms: timestamp queries where the engine exposes them (ours: one pass per dispatch, summed; TF.js: `tf.time()` kernelMs). GOPS = 2 × MACs (conv, gemm, matmul; the dynamic nodes as the products they replace) / median latency. GPU memory: ours = weights + activation arena; TF.js = `tf.memory()` bytes allocated on the GPU (its buffer pool included); onnxruntime-web exposes none.'
      : 'Latency is end to end (input upload → output read back), each model × engine in a node process of its own. First run = model files read + device, session and pipeline creation + the first inference. GPU ms: timestamp queries (ours: one pass per dispatch, summed; onnxruntime-node WebGPU: its profiler’s per-kernel GPU times of one separate profiled session’s run, summed). GOPS = 2 × MACs (conv, gemm, matmul; the dynamic nodes as the products they replace) / median latency. GPU memory: ours = weights + activation arena; onnxruntime exposes none.',
    '',
  );
  const dynamic = report.models.filter((m) => m.engines.some((e) => e.onnx !== undefined || e.correctness?.against !== undefined));
  if (dynamic.length) {
    lines.push(
      `Dynamic int8 (${dynamic.map((m) => m.id).join(', ')}): int8 = our engine on the model's dynamic ONNX file (onnxruntime's DynamicQuantizeLinear → MatMulInteger / ConvInteger format, imported and fused into MatMulDynamicInt8 / ConvDynamicInt8, run on the fp32 plan with the dynamic kernels: dp4a, or f32 arithmetic on software adapters, as the shader column says); fp32 = our engine on the float ONNX file; ` +
        '`(dynamic)` rows = onnxruntime on the dynamic file, the others on the float file. Each row is checked against the CPU float reference of the graph it runs: "vs float ref" (the float graph) or "vs dynamic ref" (our dynamic graph); quantized rows are held to the task result (top-1; matte MAE ≤ 0.01 and IoU at 0.5 ≥ 0.98), float rows also to max rel ≤ 1e-3.',
      '',
    );
  }
  const versus = report.models.map(int8VsFp32).filter((r): r is string => r !== null);
  if (versus.length) lines.push('| model | int8 median ms | fp32 median ms | int8 speed-up | int8 memory | fp32 memory | int8 / fp32 memory |', '|---|---|---|---|---|---|---|', ...versus, '');
  lines.push(...int8VsAll(report));
  for (const m of report.models) lines.push(...peakSection(m, m.engines.find((e) => e.engine === 'int8')));
  return lines.join('\n');
}
