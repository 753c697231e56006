// An SVG chart of the bench, written by hand: one panel per model, one bar per engine (median
// latency, the p10–p90 range as a whisker) on a log scale shared by every panel, since the
// engines span milliseconds to seconds. Failed engines are drawn as a labelled gap, not dropped.
import { engineLabel, type BenchReport } from './schema.ts';

const WIDTH = 760;
const LABEL = 150;
const BAR = 16;
const GAP = 6;
const COLORS: Record<string, string> = { int8: '#d9480f', fp32: '#1c7ed6', 'tfjs-webgpu': '#f59f00', 'ort-webgpu': '#7048e8', 'ort-wasm': '#868e96', 'ort-cpu': '#495057' };

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function svgChart(report: BenchReport): string {
  const medians = report.models.flatMap((m) => m.engines.flatMap((e) => (e.latencyMs ? [e.latencyMs.p10, e.latencyMs.p90, e.latencyMs.median] : [])));
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(1e-3, Math.min(...medians, 1)))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...medians, 10))));
  const plot = WIDTH - LABEL - 110; // room for the value label right of the longest bar
  const x = (v: number) => LABEL + (plot * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const out: string[] = [];
  let y = 46;
  for (const m of report.models) {
    out.push(`<text x="8" y="${y}" font-weight="bold">${escape(m.title)}</text>`);
    y += 8;
    for (const e of m.engines) {
      const cy = y + BAR / 2;
      out.push(`<text x="${LABEL - 6}" y="${cy + 4}" text-anchor="end">${escape(engineLabel(e))}</text>`);
      if (e.latencyMs) {
        const l = e.latencyMs;
        out.push(
          `<rect x="${LABEL}" y="${y}" width="${(x(l.median) - LABEL).toFixed(1)}" height="${BAR}" fill="${COLORS[e.engine] ?? '#495057'}"${e.onnx === 'dynamic' ? ' fill-opacity="0.6"' : ''}/>`,
          `<line x1="${x(l.p10).toFixed(1)}" x2="${x(l.p90).toFixed(1)}" y1="${cy}" y2="${cy}" stroke="#212529"/>`,
          `<text x="${(x(l.p90) + 4).toFixed(1)}" y="${cy + 4}">${l.median >= 100 ? l.median.toFixed(0) : l.median.toFixed(1)} ms${e.correctness?.verdict === 'deviates' ? ' (deviates)' : ''}</text>`,
        );
      } else {
        out.push(`<text x="${LABEL + 4}" y="${cy + 4}" fill="${e.status === 'skipped' ? '#868e96' : '#c92a2a'}">${escape(`${e.status}: ${(e.error?.message ?? '').slice(0, 80)}`)}</text>`);
      }
      y += BAR + GAP;
    }
    y += 18;
  }
  const ticks: string[] = [];
  for (let v = lo; v <= hi * 1.001; v *= 10) {
    ticks.push(`<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="30" y2="${y - 10}" stroke="#dee2e6"/>`, `<text x="${x(v).toFixed(1)}" y="${y + 4}" text-anchor="middle">${v >= 1 ? v : v.toPrecision(1)} ms</text>`);
  }
  const a = report.adapter;
  const title = `Median latency per inference (p10–p90 whiskers, log scale) · ${a.vendor} ${a.architecture}${report.emulated ? ' — CPU emulation, not GPU speed' : ''} · ${report.date.slice(0, 10)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 16}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="13">${escape(title)}</text>`,
    ...ticks,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
