// Node module hooks: `import text from './file.wgsl?raw'` gives the file's text, as Vite does.
// (tsx adds query parameters of its own, so the query is parsed, not matched at the end.)
import { readFile } from 'node:fs/promises';

export async function load(url, context, nextLoad) {
  const parsed = new URL(url);
  if (parsed.protocol === 'file:' && parsed.searchParams.has('raw')) {
    const text = await readFile(new URL(parsed.pathname, 'file:'), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return nextLoad(url, context);
}
