#!/usr/bin/env bash
# Build llama-cpp-python once per machine and print the folder that holds its wheel.
#
# Why not let pip build it during the install: pip caches a wheel it built under the sdist's name
# alone, so a wheel built with other flags is silently reused. And a plain native build
# (-march=native) compiles ggml's AMX kernels wherever the CPU advertises AMX; on this project's
# VMs the CPU advertises AMX but the first tile instruction dies with SIGILL (libggml-cpu
# `tilezero`, exit 132): the model server crashed on its first request. This build keeps every
# other instruction the CPU has (AVX-512 where present) and leaves AMX out; AMX only speeds up
# batched prompt reading, and a dead server is slower than any kernel.
#
# The wheel's folder is keyed by version, flags and the CPU's feature list, so a home directory
# carried to a different CPU builds anew instead of running another CPU's instructions.
#
# Usage: scripts/build-llama.sh VERSION PYTHON
set -euo pipefail
version="${1:?usage: build-llama.sh VERSION PYTHON}"
python="${2:?usage: build-llama.sh VERSION PYTHON}"

cflags="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
cmake_args="-DGGML_NATIVE=ON"
cpu="$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || uname -m)"
key="$(printf '%s|%s|%s|%s' "$version" "$cflags" "$cmake_args" "$cpu" | sha256sum | cut -c1-16)"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/lapor-triage/wheels/$key"

if ! compgen -G "$dir/llama_cpp_python-$version-*.whl" >/dev/null; then
  echo "building llama-cpp-python $version for this CPU (5-8 minutes on 2 cores, once per machine)" >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  CMAKE_ARGS="$cmake_args" CFLAGS="$cflags" CXXFLAGS="$cflags" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    "$python" -m pip wheel --quiet --no-deps --no-cache-dir --no-binary llama-cpp-python \
    "llama-cpp-python==$version" -w "$tmp" >&2
  mkdir -p "$dir"
  mv "$tmp"/llama_cpp_python-*.whl "$dir"/
fi
echo "$dir"
