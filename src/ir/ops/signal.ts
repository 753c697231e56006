// The signal op family: signal processing: windows (Hann, Hamming, Blackman), DFT, STFT, MelWeightMatrix.
// Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import type { ShapeRules } from '../dims.ts';
import type { OpTraits } from '../op-kinds.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- filled as the family grows
export interface SignalAttrs {}

export const SIGNAL_TRAITS = {} as const satisfies Record<keyof SignalAttrs, OpTraits>;

export const SIGNAL_SHAPES: ShapeRules<keyof SignalAttrs> = {};
