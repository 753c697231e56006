// Writes a report as <stamp>.json, .md and .svg under the output folder, and the same three as
// latest.* (what bench/README.md and the top-level README quote).
import fs from 'node:fs';
import path from 'node:path';
import { svgChart } from './chart.ts';
import { markdownReport } from './markdown.ts';
import type { BenchReport } from './schema.ts';

export function writeReports(report: BenchReport, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = `bench-${report.date.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z')}`;
  const contents: [string, string][] = [
    ['json', `${JSON.stringify(report, null, 1)}\n`],
    ['md', `${markdownReport(report)}\n`],
    ['svg', svgChart(report)],
  ];
  const files: string[] = [];
  for (const [ext, text] of contents) {
    for (const name of [stamp, 'latest']) {
      const file = path.join(dir, `${name}.${ext}`);
      fs.writeFileSync(file, text);
      files.push(file);
    }
  }
  return files;
}
