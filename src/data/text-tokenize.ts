// The text encoder's tokenizer (models/text_encoder.json), the mirror of tokens_of() and encode()
// in scripts/train_text_encoder.py, character for character: ASCII A-Z lowered (every other
// character kept as it is); tokens are maximal runs of [a-z0-9], or one other character that is
// not whitespace (" \t\n\r\v\f" only); the ids are [CLS] then the vocab id of each of the first
// maxLength − 1 tokens, [UNK] for a token not in the vocab. Characters are code points (a
// surrogate pair is one character, as in Python).

import { InputError } from '../errors.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';

export interface TextVocab {
  /** Token → id; [PAD], [UNK] and [CLS] among them. */
  ids: ReadonlyMap<string, number>;
  unk: number;
  cls: number;
  pad: number;
  maxLength: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f']);

const isWordChar = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

/** The tokens of a text, as the training script splits it. */
export function textTokens(text: string): string[] {
  const out: string[] = [];
  let run = '';
  for (const raw of text) {
    const c = raw >= 'A' && raw <= 'Z' ? String.fromCharCode(raw.charCodeAt(0) + 32) : raw;
    if (isWordChar(c)) {
      run += c;
      continue;
    }
    if (run) {
      out.push(run);
      run = '';
    }
    if (!WHITESPACE.has(c)) out.push(c);
  }
  if (run) out.push(run);
  return out;
}

/** The vocab of the model's JSON (its `vocab` list in id order and `max_length`). */
export function textVocab(meta: { vocab: readonly string[]; max_length: number }): TextVocab {
  const ids = new Map(meta.vocab.map((t, i) => [t, i]));
  const id = (t: string) => {
    const v = ids.get(t);
    if (v === undefined) throw new InputError(`the text vocab has no ${t} token`);
    return v;
  };
  if (!(Number.isInteger(meta.max_length) && meta.max_length >= 1)) throw new InputError(`the text vocab's max_length ${meta.max_length} is not a positive integer`);
  return { ids, unk: id('[UNK]'), cls: id('[CLS]'), pad: id('[PAD]'), maxLength: meta.max_length };
}

/** Token ids of one text: [CLS] then the first maxLength − 1 tokens' ids. */
export function encodeText(text: string, vocab: TextVocab): number[] {
  return [vocab.cls, ...textTokens(text).slice(0, vocab.maxLength - 1).map((t) => vocab.ids.get(t) ?? vocab.unk)];
}

/**
 * A batch of texts as the model's int64 inputs: input_ids [n, length] padded with [PAD] to the
 * longest (or to `length`), attention_mask [n, length] 1 on tokens and 0 on padding.
 */
export function textBatch(texts: readonly string[], vocab: TextVocab, length?: number): { input_ids: Tensor; attention_mask: Tensor } {
  const encoded = texts.map((t) => encodeText(t, vocab));
  const len = length ?? Math.max(1, ...encoded.map((e) => e.length));
  const ids = tensor('int64', [texts.length, len]);
  const mask = tensor('int64', [texts.length, len]);
  encoded.forEach((e, row) => {
    if (e.length > len) throw new InputError(`text ${row} has ${e.length} tokens, more than the length ${len}`);
    for (let j = 0; j < len; j++) {
      ids.data[row * len + j] = j < e.length ? e[j]! : vocab.pad;
      mask.data[row * len + j] = j < e.length ? 1 : 0;
    }
  });
  return { input_ids: ids, attention_mask: mask };
}
