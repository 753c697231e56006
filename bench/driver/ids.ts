// The benchmark's model ids, apart from models.ts so the CLI can list them without loading it.
export { BENCH_MODELS, type BenchModelId } from '../../src/cli/bench-contract.ts';
