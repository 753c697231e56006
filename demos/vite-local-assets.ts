// Vite plugin (node side, used by vite.config.ts): serves the demo's models and images from the
// repository, so the page works offline with nothing copied or bundled:
//
//   /local/bundled/<file>        models/                (the bundled Fashion-MNIST CNN + its .json)
//   /local/fashion-mnist/<file>  data/fashion-mnist/    (IDX test and calibration images)
//   /local/models/<id>/<file>    <cache>/models/<id>/    (TF.js models, `webgpu-int8 fetch-models`)
//   /local/images/<set>/<file>   <cache>/images/<set>/   (photos, `webgpu-int8 fetch-models`)
//   /local/images/index.json     every image set found under <cache>/images (folder → file names),
//                                plus <cache>/images/manifest.json when present
//   /local/text/<file>           TEXT_PHOTOS of opencv-doc's examples/data/ (the text detector's
//                                crops, as test/model/onnx-real-int8.test.ts reads them)
//
// <cache> is src/models/cache.ts's cacheDir() (the repository's scripts set WEBGPU_INT8_CACHE to
// its .cache/), looked up per request like the listing, so the page follows whatever sets
// fetch-models writes.
// Works for `vite` (dev) and `vite preview`. Paths are resolved under their folder only.
//
// `vite build` copies the same folders into <outDir>/local/ (what is there: a cache with some
// models or none copies those or none) and writes local/images/index.json as the middleware
// computes it, so that the built site, whose page fetches local/… relative to itself, works from
// any folder of a static host.

import fs from 'node:fs';
import path from 'node:path';
import type { Connect, Plugin, ResolvedConfig } from 'vite';
import { imagesRoot, modelsDir } from '../src/models/cache.ts';
import { IMAGE_SOURCES } from '../src/models/fetch-images.ts';

/**
 * The photos demos/models.ts crops for the text detector (its textCrops): only these of
 * opencv-doc's folder are served and copied (the folder also holds videos and calibration data).
 */
const TEXT_PHOTOS: readonly string[] = ['imageTextN.png', 'imageTextR.png', 'licenseplate_motion.jpg'];

/**
 * URL prefix → folder: relative to the repository, or a function giving an absolute path; with
 * `files`, only those files of it.
 */
const ROUTES: readonly (readonly [prefix: string, folder: string | (() => string), files?: readonly string[]])[] = [
  ['/local/bundled/', 'models'],
  ['/local/fashion-mnist/', 'data/fashion-mnist'],
  ['/local/models/', modelsDir],
  ['/local/images/', imagesRoot],
  ['/local/text/', () => IMAGE_SOURCES.opencv.dir, TEXT_PHOTOS],
];

const TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.txt': 'text/plain; charset=utf-8',
};

const IMAGE = /\.(png|jpe?g)$/i;

/** Folder name → sorted image file names, for every folder under <cache>/images holding images. */
function imageIndex(imagesDir: string): { sets: Record<string, string[]>; manifest: unknown } {
  const sets: Record<string, string[]> = {};
  if (fs.existsSync(imagesDir)) {
    for (const entry of fs.readdirSync(imagesDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const files = fs.readdirSync(path.join(imagesDir, entry.name)).filter((f) => IMAGE.test(f)).sort();
      if (files.length) sets[entry.name] = files;
    }
  }
  const manifestFile = path.join(imagesDir, 'manifest.json');
  let manifest: unknown = null;
  try {
    manifest = fs.existsSync(manifestFile) ? JSON.parse(fs.readFileSync(manifestFile, 'utf8')) : null;
  } catch {
    manifest = null;
  }
  return { sets, manifest };
}

/** The folder a ROUTES entry serves, as of now. */
function routeFolder(repoRoot: string, folder: string | (() => string)): string {
  return typeof folder === 'function' ? folder() : path.join(repoRoot, folder);
}

/** Files under a folder, and their bytes. */
function tally(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return { files, bytes };
}

/** The build's copy of every route into <outDir>/local/ and the image listing; one line per route. */
function copyAssets(repoRoot: string, outDir: string): string[] {
  const lines: string[] = [];
  for (const [prefix, folder, only] of ROUTES) {
    const from = routeFolder(repoRoot, folder);
    const to = path.join(outDir, prefix);
    if (!fs.existsSync(from)) {
      lines.push(`${prefix.slice(1)}  nothing (${from} is not there: ${only ? 'Debian\'s opencv-doc installs it' : '`npm run fetch-models` fills it'})`);
      continue;
    }
    if (only) {
      fs.mkdirSync(to, { recursive: true });
      for (const f of only) if (fs.existsSync(path.join(from, f))) fs.copyFileSync(path.join(from, f), path.join(to, f));
    } else fs.cpSync(from, to, { recursive: true, dereference: true });
    const { files, bytes } = tally(to);
    lines.push(`${prefix.slice(1)}  ${files} files, ${(bytes / 1e6).toFixed(1)} MB from ${from}`);
  }
  const images = ROUTES.find(([prefix]) => prefix === '/local/images/')!;
  const index = path.join(outDir, 'local/images/index.json');
  fs.mkdirSync(path.dirname(index), { recursive: true });
  fs.writeFileSync(index, JSON.stringify(imageIndex(routeFolder(repoRoot, images[1]))));
  return lines;
}

export function localAssets(repoRoot: string): Plugin {
  let config: ResolvedConfig | undefined;
  const handler: Connect.NextHandleFunction = (req, res, next) => {
    const url = decodeURIComponent((req.url ?? '').split('?')[0]!);
    if (!url.startsWith('/local/')) return next();
    const send = (status: number, body: string | Buffer, type = 'text/plain; charset=utf-8') => {
      res.statusCode = status;
      res.setHeader('Content-Type', type);
      res.setHeader('Cache-Control', 'no-cache');
      res.end(body);
    };
    if (url === '/local/images/index.json') {
      send(200, JSON.stringify(imageIndex(imagesRoot())), TYPES['.json']);
      return;
    }
    const route = ROUTES.find(([prefix]) => url.startsWith(prefix));
    if (!route) return send(404, `no such asset: ${url}`);
    const base = typeof route[1] === 'function' ? route[1]() : path.join(repoRoot, route[1]);
    const file = path.resolve(base, url.slice(route[0].length));
    if (!file.startsWith(base + path.sep)) return send(403, 'outside the asset folder');
    if (route[2] && !route[2].includes(path.relative(base, file))) return send(404, `not served: ${url} (only ${route[2].join(', ')})`);
    fs.readFile(file, (err, data) => {
      if (err) return send(404, `not found: ${url} (${file})`);
      send(200, data, TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream');
    });
  };
  return {
    name: 'webgpu-int8-local-assets',
    configureServer(server) {
      server.middlewares.use(handler);
    },
    configurePreviewServer(server) {
      server.middlewares.use(handler);
    },
    configResolved(resolved) {
      config = resolved;
    },
    writeBundle(options) {
      const outDir = options.dir ?? path.resolve(config!.root, config!.build.outDir);
      const lines = copyAssets(repoRoot, outDir);
      config?.logger.info(`local/ (models and photos) copied into ${outDir}:\n  ${lines.join('\n  ')}`);
    },
  };
}
