// The input card's gallery and the user's own files: what becomes state.input, and the run it
// starts.

import { InputError } from '../src/index.ts';
import { explain } from './alerts.ts';
import { byId, bytes, clear, h } from './dom.ts';
import { reportError } from './gpu-lifecycle.ts';
import { drawPreview } from './input-view.ts';
import { fashionImage, imageFromBytes, textCropImage, type InputImage } from './inputs.ts';
import { AssetError, FASHION_GALLERY, fashionSet, fetchImageBytes, imageUrl, loadImageIndex, pickSet, textPhoto } from './models.ts';
import { requestRun } from './run-loop.ts';
import { state, type Active } from './state.ts';
import { stopWebcam } from './webcam.ts';

export async function buildGallery(active: Active, initialImage?: string): Promise<void> {
  const def = active.def;
  const gallery = byId('gallery');
  clear(gallery, h('p', { class: 'muted small' }, 'Loading the gallery…'));
  try {
    const items: { id: string; title: string; thumb: HTMLElement; load: () => Promise<InputImage> }[] = [];
    if (def.id === 'fashion-mnist') {
      const test = await fashionSet('test');
      for (let i = 0; i < FASHION_GALLERY; i++) {
        const image = fashionImage(test, i, active.labels);
        const thumb = h('canvas', { width: 28, height: 28 });
        thumb.getContext('2d')!.drawImage(image.source, 0, 0);
        items.push({ id: image.id, title: `${image.name}: ${image.truth ?? ''}`, thumb, load: () => Promise.resolve(image) });
      }
    } else if (def.textCrops) {
      for (const crop of def.textCrops.gallery) {
        const image = textCropImage(crop, await textPhoto(crop.file), def.size);
        const thumb = h('canvas', { width: image.width, height: image.height, class: 'wide' });
        thumb.getContext('2d')!.drawImage(image.source, 0, 0);
        items.push({ id: image.id, title: image.caption ?? image.name, thumb, load: () => Promise.resolve(image) });
      }
    } else {
      const index = await loadImageIndex();
      const sets = def.gallerySets.map((s) => pickSet(index, [s])).filter((s) => s !== undefined);
      const seen = new Set<string>();
      for (const { set, files } of sets) {
        for (const file of files) {
          if (seen.has(file)) continue;
          seen.add(file);
          const record = index.records.get(file);
          const caption = record?.note?.split(';')[0]?.trim();
          items.push({
            id: `${set}/${file}`,
            title: caption ? `${caption} (${file})` : file,
            thumb: h('img', { src: imageUrl(set, file), alt: caption ?? file, loading: 'lazy', decoding: 'async' }),
            load: async () => imageFromBytes(`${set}/${file}`, file, await fetchImageBytes(set, file), caption),
          });
        }
      }
      if (items.length === 0) throw new AssetError('No photos on the server: run `npm run fetch-models` in the repository, then reload this page.');
    }
    if (state.active !== active) return;
    active.gallery = items;
    clear(
      gallery,
      ...items.map((item) =>
        h(
          'button',
          { type: 'button', class: 'thumb', role: 'option', title: item.title, 'data-id': item.id, 'aria-selected': 'false', onclick: () => void pickGallery(item) },
          item.thumb,
        ),
      ),
    );
    if (!state.input) {
      const find = (name: string | undefined) => (name ? items.find((i) => i.id.endsWith(`/${name}`)) : undefined);
      const first = find(initialImage) ?? find(def.firstImage) ?? items[0];
      if (first) await pickGallery(first);
    } else markSelected();
  } catch (e) {
    if (state.active !== active) return;
    clear(gallery, h('p', { class: 'error-text small' }, explain(e, 'loading the gallery')));
  }
}

async function pickGallery(item: { id: string; load: () => Promise<InputImage> }): Promise<void> {
  try {
    stopWebcam();
    setInput(await item.load());
  } catch (e) {
    reportError(e, 'opening the image');
  }
}

function markSelected(): void {
  byId('gallery')
    .querySelectorAll<HTMLElement>('.thumb')
    .forEach((el) => el.setAttribute('aria-selected', String(el.dataset.id === state.input?.id)));
}

function setInput(input: InputImage): void {
  state.input = input;
  markSelected();
  byId('input-name').textContent = input.caption ?? input.name;
  byId('input-name').title = input.name;
  drawPreview(input);
  requestRun();
}

export async function openFile(file: File): Promise<void> {
  try {
    if (file.size > 64 << 20) throw new InputError(`“${file.name}” is ${bytes(file.size)}: too large for this demo (64 MiB at most).`);
    const input = await imageFromBytes(`file/${file.name}/${file.lastModified}`, file.name, new Uint8Array(await file.arrayBuffer()));
    stopWebcam();
    setInput(input);
  } catch (e) {
    reportError(e, `opening ${file.name}`);
  }
}
