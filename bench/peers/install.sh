#!/usr/bin/env bash
# Installs the peer engines of `npm run bench` (never needed by `npm test`):
#  - tfjs (cpu, wasm) and jax-js into bench/peers/node_modules (bench/peers/package.json);
#  - PyTorch CPU for /usr/bin/python3 from Debian (python3-torch), when run as root and missing;
#  - OpenBLAS for that PyTorch, unpacked into bench/peers/node_modules/.openblas without installing
#    it system-wide: Debian's torch calls libblas.so.3, which is the reference BLAS unless another
#    implementation is installed; the bench runs torch twice, as installed ('pytorch') and with
#    LD_LIBRARY_PATH on this OpenBLAS ('pytorch-openblas').
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

npm install --prefix "$here" --no-audit --no-fund

if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update && apt-get install -y python3-torch
  else
    echo "PyTorch peer skipped: run 'apt-get update && apt-get install -y python3-torch' as root" >&2
  fi
fi

target="$here/node_modules/.openblas"
if [ ! -e "$target/libblas.so.3" ] && command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then
  work="$(mktemp -d)"
  if (cd "$work" && apt-get download libopenblas0-serial >/dev/null 2>&1); then
    dpkg-deb -x "$work"/libopenblas0-serial_*.deb "$work/root"
    mkdir -p "$target"
    cp -a "$work"/root/usr/lib/x86_64-linux-gnu/openblas-serial/. "$target/"
    echo "OpenBLAS for the PyTorch peer: $target"
  else
    echo "OpenBLAS for the PyTorch peer skipped (apt-get download libopenblas0-serial failed)" >&2
  fi
  rm -rf "$work"
fi
