#!/usr/bin/env bash
# Builds the GPU kit: one self-contained folder (≤ 60 MiB) that runs `webgpu-int8 bench --node`
# on a Linux x86-64 machine with a GPU driver and no internet, npm or apt (its run.sh).
#
#   scripts/gpu-kit.sh [OUT_DIR]        (default: gpu-kit/, ignored by git)
#
# What goes in (OUT_DIR/files/<path>.br, brotli, unpacked by the kit's own node):
#   lib/js/bench.mjs, bench-worker.mjs   the engine and the node bench, bundled by esbuild
#   node_modules/webgpu                  Dawn's dawn.node (linux-x64, stripped) and its loader
#   node_modules/onnxruntime-node        its JavaScript and linux x64 binaries (WebGPU + CPU EPs)
#   node_modules/onnxruntime-common
#   lib/libvulkan.so.1                   the Vulkan loader of this machine
#   lib/compat/libstdc++.so.6, libgcc_s  for machines whose libstdc++ predates GCC 12 (run.sh decides)
#   .cache/                              MobileNetV2 and BlazeFace: TF.js files, the ONNX written
#                                        for onnxruntime, our .q8 calibrated here, one photo each
# and beside them node.gz (this machine's node, stripped), unpack.mjs, run.sh, BUILD (commit).
# Needs: npm ci, npm run fetch-models, and the Vulkan loader (libvulkan1), as for the tests.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$ROOT/gpu-kit}")
MODELS=(mobilenet_v2_mid blazeface-front)
LIMIT_MIB=60
CACHE="$ROOT/.cache"
STAGE=$(mktemp -d /tmp/webgpu-int8-kit-stage.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
cd "$ROOT"

echo "models: preparing ${MODELS[*]} (the int8 programs are calibrated once, then cached)"
mapfile -t CACHED < <(WEBGPU_INT8_CACHE="$CACHE" node_modules/.bin/tsx scripts/gpu-kit-files.ts "${MODELS[@]}")
for f in "${CACHED[@]}"; do mkdir -p "$STAGE/.cache/$(dirname "$f")"; cp "$CACHE/$f" "$STAGE/.cache/$f"; done

echo "bundling the engine and the node bench (esbuild)"
# The bundles sit two folders below the kit's root, as bench/driver/ and src/cli/ sit below the
# repository's: their paths relative to import.meta.url (.cache/bench, models/) resolve the same.
BANNER="import { createRequire as __kitRequire } from 'node:module'; const require = __kitRequire(import.meta.url);"
for pair in "bench/node/kit-entry.ts:bench.mjs" "bench/node/worker.ts:bench-worker.mjs"; do
  node_modules/.bin/esbuild "${pair%%:*}" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --external:webgpu --external:onnxruntime-node --external:playwright-core --external:tsx --external:vite \
    --banner:js="$BANNER" --outfile="$STAGE/lib/js/${pair##*:}"
done

echo "native parts: Dawn, onnxruntime-node, the Vulkan loader"
NM="$STAGE/node_modules"
mkdir -p "$NM/webgpu/dist/linux-x64" "$NM/onnxruntime-node/bin/napi-v6/linux/x64" "$NM/onnxruntime-common/dist" "$STAGE/lib/compat"
cp node_modules/webgpu/{package.json,index.js,LICENSE.md} "$NM/webgpu/"
strip -o "$NM/webgpu/dist/linux-x64/dawn.node" node_modules/webgpu/dist/linux-x64/dawn.node
cp node_modules/onnxruntime-node/package.json "$NM/onnxruntime-node/"
cp -r node_modules/onnxruntime-node/dist "$NM/onnxruntime-node/"
cp node_modules/onnxruntime-node/bin/napi-v6/linux/x64/* "$NM/onnxruntime-node/bin/napi-v6/linux/x64/"
cp node_modules/onnxruntime-common/package.json "$NM/onnxruntime-common/"
cp -r node_modules/onnxruntime-common/dist/cjs "$NM/onnxruntime-common/dist/"
find "$NM" -name '*.map' -delete
lib() { ldconfig -p | awk -v n="$1" '$1 == n && /x86-64/ { print $NF; exit }'; }
for name in libvulkan.so.1; do
  [ -n "$(lib $name)" ] || { echo "gpu-kit: $name not found (apt-get install libvulkan1)" >&2; exit 1; }
  cp -L "$(lib $name)" "$STAGE/lib/$name"
done
for name in libstdc++.so.6 libgcc_s.so.1; do cp -L "$(lib $name)" "$STAGE/lib/compat/$name"; done

echo "packing (brotli quality 11; compressed files are cached in .cache/gpu-kit, the first build takes minutes)"
rm -rf "$OUT"
mkdir -p "$OUT"
node scripts/gpu-kit-pack.mjs "$STAGE" "$OUT/files" "$CACHE/gpu-kit"
strip -o "$STAGE/node" "$(command -v node)"
gzip -9 -n -c "$STAGE/node" > "$OUT/node.gz"
cp scripts/gpu-kit-unpack.mjs "$OUT/unpack.mjs"
cp scripts/gpu-kit-run.sh "$OUT/run.sh"
chmod +x "$OUT/run.sh"
CHANGED=$(git status --porcelain --untracked-files=no | wc -l)
echo "$(git rev-parse HEAD) $CHANGED" > "$OUT/BUILD"

SIZE=$(du -sb "$OUT" | cut -f1)
MIB=$(awk -v s="$SIZE" 'BEGIN { printf "%.1f", s / 1048576 }')
echo "kit: $OUT, $MIB MiB (node $(node --version), commit $(git rev-parse --short HEAD), $CHANGED changed files)"
[ "$SIZE" -le $((LIMIT_MIB * 1048576)) ] || { echo "gpu-kit: $MIB MiB is over the $LIMIT_MIB MiB limit" >&2; exit 1; }
