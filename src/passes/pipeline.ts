// The ordered pass pipeline. Order matters: constants fold first so BN statistics and Clip
// bounds are visible as constants; BN folds before activation fusion because the pattern is
// Conv → BN → Relu; the layout pass runs last, on the fused graph the int8 path executes.

import { inferShapes } from '../ir/shapes.ts';
import type { Graph } from '../ir/graph.ts';
import { convTransposeToConv } from './convtranspose-to-conv.ts';
import { eliminateDeadCode } from './eliminate-dead-code.ts';
import { foldBatchNorm } from './fold-batchnorm.ts';
import { foldConstants } from './fold-constants.ts';
import { fuseActivations } from './fuse-activations.ts';
import { fuseDynamicMatmul } from './fuse-dynamic.ts';
import { fuseGelu } from './fuse-gelu.ts';
import { fuseLayerNorm } from './fuse-layernorm.ts';
import { canonicalActivations } from './canonical-activations.ts';
import { reduceToPool } from './reduce-to-pool.ts';
import { splitToSlices } from './split-to-slices.ts';
import { removeIdentities } from './remove-identities.ts';
import { assignNhwcLayout } from './to-nhwc.ts';

export type Pass = (graph: Graph) => Graph;

export const FUSION_PASSES: readonly (readonly [string, Pass])[] = [
  ['fold-constants', foldConstants],
  ['remove-identities', removeIdentities],
  ['canonical-activations', canonicalActivations],
  ['fuse-layernorm', fuseLayerNorm],
  ['fuse-gelu', fuseGelu],
  ['reduce-to-pool', reduceToPool],
  ['split-to-slices', splitToSlices],
  ['convtranspose-to-conv', convTransposeToConv],
  ['fold-batchnorm', foldBatchNorm],
  ['fuse-activations', fuseActivations],
  ['fuse-dynamic-matmul', fuseDynamicMatmul],
  ['eliminate-dead-code', eliminateDeadCode],
];

export interface OptimizeOptions {
  /** 'NHWC' (the int8 path's layout) adds the layout pass after fusion. */
  layout?: 'NCHW' | 'NHWC';
}

export function optimize(graph: Graph, options: OptimizeOptions = {}): Graph {
  let g = graph;
  for (const [, pass] of FUSION_PASSES) g = pass(g);
  if (options.layout === 'NHWC') return assignNhwcLayout(g); // infers the shapes first itself
  // Shapes that provably disagree (a Reshape that cannot hold) are a ModelFormatError now, before
  // any layer runs.
  inferShapes(g);
  return g;
}
