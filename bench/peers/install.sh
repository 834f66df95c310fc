#!/usr/bin/env bash
# Installs the peer engines of `npm run bench` (never needed by `npm test`):
#  - tfjs (cpu, wasm) and jax-js into bench/peers/node_modules (bench/peers/package.json);
#  - PyTorch CPU for /usr/bin/python3 from Debian (python3-torch), when run as root and missing;
#  - OpenBLAS for that PyTorch, unpacked into bench/peers/node_modules/.openblas without installing
#    it system-wide: Debian's torch calls libblas.so.3, which is the reference BLAS unless another
#    implementation is installed; the bench runs torch twice, as installed ('pytorch') and with
#    LD_LIBRARY_PATH on this OpenBLAS ('pytorch-openblas');
#  - NumPy for /usr/bin/python3 from Debian (python3-numpy), when run as root and missing;
#  - Gymnasium's source for bench/e2e-sac.ts's PyTorch peer (bench/peers/sac_pendulum_cleanrl.py):
#    its `gymnasium/` package, pure Python over NumPy, is placed in bench/peers/gymnasium-src (not
#    installed, not committed) next to an empty `farama_notifications` module. The source is
#    $VARL_GYMNASIUM_SRC when set (a checkout of https://github.com/Farama-Foundation/Gymnasium, or a
#    bare git repository of it), else a shallow `git clone` where the network allows; without either
#    this step is skipped. The peer script also imports straight from $VARL_GYMNASIUM_SRC when that
#    is a folder holding `gymnasium/`.
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

# a threaded OpenBLAS beside it, for PyTorch at more than one thread (bench/threads.bench.ts)
target="$here/node_modules/.openblas-pthread"
if [ ! -e "$target/libblas.so.3" ] && command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then
  work="$(mktemp -d)"
  if (cd "$work" && apt-get download libopenblas0-pthread >/dev/null 2>&1); then
    dpkg-deb -x "$work"/libopenblas0-pthread_*.deb "$work/root"
    mkdir -p "$target"
    cp -a "$work"/root/usr/lib/x86_64-linux-gnu/openblas-pthread/. "$target/"
    echo "threaded OpenBLAS for the PyTorch peer: $target"
  else
    echo "threaded OpenBLAS for the PyTorch peer skipped (apt-get download libopenblas0-pthread failed)" >&2
  fi
  rm -rf "$work"
fi

if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y python3-numpy || (apt-get update && apt-get install -y python3-numpy)
  else
    echo "NumPy skipped: run 'apt-get update && apt-get install -y python3-numpy' as root" >&2
  fi
fi

gym_dest="$here/gymnasium-src"
if [ ! -e "$gym_dest/gymnasium/__init__.py" ]; then
  gym_src="${VARL_GYMNASIUM_SRC:-}"
  gym_work=""
  if [ -z "$gym_src" ] && command -v git >/dev/null; then
    gym_work="$(mktemp -d)"
    if GIT_TERMINAL_PROMPT=0 timeout 120 git clone --quiet --depth 1 https://github.com/Farama-Foundation/Gymnasium "$gym_work/Gymnasium" 2>/dev/null; then
      gym_src="$gym_work/Gymnasium"
    fi
  fi
  mkdir -p "$gym_dest"
  if [ -n "$gym_src" ] && [ -f "$gym_src/gymnasium/__init__.py" ]; then
    cp -a "$gym_src/gymnasium" "$gym_dest/"
  elif [ -n "$gym_src" ] && git --git-dir="$gym_src" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    git --git-dir="$gym_src" archive HEAD gymnasium 2>/dev/null | tar -x -C "$gym_dest" || true
  fi
  if [ -e "$gym_dest/gymnasium/__init__.py" ]; then
    mkdir -p "$gym_dest/farama_notifications"
    : > "$gym_dest/farama_notifications/__init__.py"
    echo "Gymnasium for the end-to-end PyTorch peer: $gym_dest"
  else
    rm -rf "$gym_dest"
    echo "Gymnasium skipped (bench/e2e-sac.ts then runs varl only): set VARL_GYMNASIUM_SRC to a checkout of" \
      "https://github.com/Farama-Foundation/Gymnasium (or a bare git repository of it) and run this again" >&2
  fi
  if [ -n "$gym_work" ]; then rm -rf "$gym_work"; fi
fi
