#!/bin/sh
# webgpu-int8 GPU kit: `webgpu-int8 bench --node` on this machine's GPU, with nothing installed.
# (scripts/gpu-kit.sh in the webgpu-int8 repository copies this file into the kit as run.sh.)
#
#   ./run.sh [--icd FILE[:FILE…]] [--adapter NAME] [--keep] RESULTS_DIR [-- BENCH OPTIONS…]
#
# Unpacks the kit (node, Dawn, onnxruntime-node, the Vulkan loader, the bundled bench and its
# models) into a fresh folder under /tmp, points the Vulkan loader at this machine's driver,
# and runs the bench; RESULTS_DIR receives bench-<date>.{json,md,svg}, latest.*, and run.log.
#   --icd FILE     the Vulkan driver manifest(s) (ICD JSON). Default: VK_ICD_FILENAMES or
#                  VK_DRIVER_FILES if set, else every manifest in the usual folders
#                  (/usr/local/nvidia/share/vulkan/icd.d, /usr/share/vulkan/icd.d,
#                  /etc/vulkan/icd.d, /usr/local/share/vulkan/icd.d).
#   --adapter NAME the Dawn adapter whose name contains NAME (several GPUs; a name none has
#                  lists them).
#   --keep         keep the unpacked folder (it is deleted at the end otherwise).
# Options after -- go to the bench (default: the kit's two models, all four engines, 20 timed
# runs each, at most 20 s of timed runs per model × engine so a slow adapter stays within
# 8 minutes). Needs Linux x86-64 with glibc ≥ 2.34, sh, gzip and the GPU's Vulkan driver.
set -eu

KIT=$(cd "$(dirname "$0")" && pwd)
ICD=""
ADAPTER=""
KEEP=0
RESULTS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --icd) ICD="$2"; shift 2 ;;
    --adapter) ADAPTER="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [ -z "$RESULTS" ] || { echo "run.sh: one RESULTS_DIR only (got $RESULTS and $1)" >&2; exit 2; }; RESULTS="$1"; shift ;;
  esac
done
[ -n "$RESULTS" ] || { echo "usage: run.sh [--icd FILE] [--adapter NAME] [--keep] RESULTS_DIR [-- BENCH OPTIONS]" >&2; exit 2; }
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "run.sh: this kit is for Linux x86-64, not $(uname -s)-$(uname -m)" >&2; exit 1; }
GLIBC=$(getconf GNU_LIBC_VERSION 2>/dev/null | sed 's/^glibc //' || true)
case "$GLIBC" in
  2.[0-9]|2.[12][0-9]|2.3[0-3]) echo "run.sh: glibc $GLIBC is too old: Dawn's dawn.node needs glibc 2.34 or later" >&2; exit 1 ;;
esac

WORK=$(mktemp -d /tmp/webgpu-int8-kit.XXXXXX)
[ "$KEEP" = 1 ] || trap 'rm -rf "$WORK"' EXIT
gzip -dc "$KIT/node.gz" > "$WORK/node"
chmod +x "$WORK/node"
"$WORK/node" "$KIT/unpack.mjs" "$KIT/files" "$WORK"

# The loader (libvulkan.so.1) ships in lib/. Dawn needs libstdc++ with GLIBCXX_3.4.30 (GCC 12):
# the machine's if it has it, else the kit's copy from lib/compat.
LIBS="$WORK/lib"
SYSTEM_STDCXX=$(for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /usr/lib64 /lib64 /usr/lib; do [ -e "$d/libstdc++.so.6" ] && echo "$d/libstdc++.so.6" && break; done || true)
if [ -z "$SYSTEM_STDCXX" ] || ! grep -aq GLIBCXX_3.4.30 "$SYSTEM_STDCXX" 2>/dev/null; then LIBS="$LIBS:$WORK/lib/compat"; fi
# NVIDIA's container runtime puts the driver's libraries here; its ICD names them by file name only.
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && LIBS="$LIBS:$d"; done
export LD_LIBRARY_PATH="$LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

if [ -n "$ICD" ]; then
  export VK_ICD_FILENAMES="$ICD"
  unset VK_DRIVER_FILES
elif [ -z "${VK_ICD_FILENAMES:-}" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then
  FOUND=""
  for d in /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    for f in "$d"/*.json; do [ -f "$f" ] && FOUND="${FOUND:+$FOUND:}$f"; done
  done
  [ -n "$FOUND" ] || { echo "run.sh: no Vulkan driver manifest found in the usual folders: give one with --icd FILE (or VK_ICD_FILENAMES)" >&2; exit 1; }
  export VK_ICD_FILENAMES="$FOUND"
fi
echo "Vulkan driver manifest(s): ${VK_ICD_FILENAMES:-${VK_DRIVER_FILES:-}}"
for f in $(echo "${VK_ICD_FILENAMES:-${VK_DRIVER_FILES:-}}" | tr ':' ' '); do [ -f "$f" ] || echo "run.sh: warning: $f does not exist" >&2; done

export WEBGPU_INT8_CACHE="$WORK/.cache"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
export WEBGPU_INT8_BUILD="$(cat "$KIT/BUILD")"
cd "$WORK"
[ $# -gt 0 ] || set -- --models mobilenet_v2_mid,blazeface-front --budget 20
[ -z "$ADAPTER" ] || set -- --adapter "$ADAPTER" "$@"
# The bench's exit status, through tee (plain sh has no pipefail).
{ "$WORK/node" "$WORK/lib/js/bench.mjs" bench --node --out "$RESULTS" "$@" 2>&1; echo $? > "$WORK/status"; } | tee "$RESULTS/run.log"
STATUS=$(cat "$WORK/status")
[ "$STATUS" = 0 ] || { echo "run.sh: the bench failed (exit $STATUS; see $RESULTS/run.log)" >&2; exit "$STATUS"; }
echo "results in $RESULTS"
