// Activation memory planning: each tensor lives from the step that writes it to the last step
// that reads it; a buffer ("slot") freed at a step's end is reused by a later tensor that fits.
// No GPU here: plain data in, plain data out.

export interface TensorUse {
  name: string;
  bytes: number;
  /** Index of the step that writes it (−1 for graph inputs). */
  first: number;
  /** Index of the last step that reads it (Infinity for graph outputs). */
  last: number;
  /** Another tensor whose slot this one shares (a reshape that leaves the bytes as they are). */
  aliasOf?: string;
}

export interface MemoryPlan {
  slotOf: Map<string, number>;
  slotBytes: number[];
  /** Bytes of all slots: the activation arena. */
  arenaBytes: number;
  /** Bytes if every tensor had its own buffer. */
  activationBytes: number;
}

export function planMemory(uses: TensorUse[]): MemoryPlan {
  const slotOf = new Map<string, number>();
  const slotBytes: number[] = [];
  const slotFreeAfter: number[] = [];
  // Aliases extend their root's lifetime and share its slot.
  const root = (u: TensorUse): TensorUse => (u.aliasOf ? root(uses.find((v) => v.name === u.aliasOf)!) : u);
  const lifetime = new Map<string, { first: number; last: number; bytes: number }>();
  for (const u of uses) {
    const r = root(u);
    const l = lifetime.get(r.name) ?? { first: r.first, last: r.last, bytes: r.bytes };
    lifetime.set(r.name, { first: Math.min(l.first, u.first), last: Math.max(l.last, u.last), bytes: Math.max(l.bytes, u.bytes) });
  }
  const roots = [...lifetime].sort((a, b) => a[1].first - b[1].first);
  for (const [name, l] of roots) {
    // Best fit among slots whose last reader ran before this tensor is written.
    let best = -1;
    for (let s = 0; s < slotBytes.length; s++) {
      if (slotFreeAfter[s]! < l.first && slotBytes[s]! >= l.bytes && (best < 0 || slotBytes[s]! < slotBytes[best]!)) best = s;
    }
    if (best < 0) {
      // Grow the largest free slot rather than adding one, if any is free.
      for (let s = 0; s < slotBytes.length; s++) if (slotFreeAfter[s]! < l.first && (best < 0 || slotBytes[s]! > slotBytes[best]!)) best = s;
      if (best < 0) {
        best = slotBytes.length;
        slotBytes.push(0);
        slotFreeAfter.push(-Infinity);
      }
      slotBytes[best] = Math.max(slotBytes[best]!, l.bytes);
    }
    slotFreeAfter[best] = l.last;
    slotOf.set(name, best);
  }
  for (const u of uses) slotOf.set(u.name, slotOf.get(root(u).name)!);
  return {
    slotOf,
    slotBytes,
    arenaBytes: slotBytes.reduce((a, b) => a + b, 0),
    activationBytes: [...lifetime.values()].reduce((a, l) => a + l.bytes, 0),
  };
}
