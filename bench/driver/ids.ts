// The benchmark's model ids, apart from models.ts so the CLI can list them without loading it.
export const BENCH_MODELS = ['fashion_mnist_cnn', 'mobilenet_v2_mid', 'blazeface-front'] as const;
export type BenchModelId = (typeof BENCH_MODELS)[number];
