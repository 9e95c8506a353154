#!/usr/bin/env bash
# Makes the native backend @tensorflow/tfjs-node usable without its installer, which downloads libtensorflow
# and a prebuilt addon (both fail on air-gapped machines). Builds the package's own N-API addon with node-gyp
# against a TensorFlow C library we supply and copies that library into the package's deps/lib, where the
# addon's rpath ($ORIGIN/../../deps/lib) finds it: no LD_LIBRARY_PATH needed.
#
#   scripts/install-tfjs-node.sh                          pip-downloads tensorflow-cpu==$TF_VERSION into the cache
#   scripts/install-tfjs-node.sh tensorflow_cpu-*.whl     a tensorflow / tensorflow-cpu wheel (Linux x86_64)
#   scripts/install-tfjs-node.sh libtensorflow-*.tar.gz   a libtensorflow C tarball (lib/ + include/)
#   scripts/install-tfjs-node.sh DIR                      either of the above, extracted (or site-packages/tensorflow)
#   scripts/install-tfjs-node.sh --gpu [WHEEL NVIDIA_WHEEL...]   the CUDA build: PyPI's `tensorflow` wheel and the
#                                                          nvidia-*-cu12 wheels of its "and-cuda" extra (pip; or the
#                                                          wheels given), their libraries beside TensorFlow's in deps/lib.
#                                                          UNTESTED on a GPU machine: see README "GPU (untested)".
#
# Run after `npm ci`; idempotent (a second run only checks). Never edits package.json or package-lock.json.
# Env: TF_VERSION (pip mode, default 2.20.0), CXR_LAB_CACHE (default ~/.cache/cxr-lab), NODEDIR (Node headers
# prefix, default: the running node's), NODE_GYP (path to node-gyp.js, default: the copy bundled with npm).
set -euo pipefail

TF_VERSION=${TF_VERSION:-2.20.0}
PKG_NAME=@tensorflow/tfjs-node

say() { printf 'install-tfjs-node: %s\n' "$*"; }
die() { printf 'install-tfjs-node: error: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"; }

gpu=0
args=()
for a in "$@"; do
  case $a in
    --gpu) gpu=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p'; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
set -- "${args[@]+"${args[@]}"}"

started=$SECONDS
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
pkg=$repo/node_modules/$PKG_NAME
cache=${CXR_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cxr-lab}/tensorflow
mkdir -p "$cache"
log=$cache/install-tfjs-node.log
: >"$log"

[[ $(uname -s) == Linux ]] || die "only Linux is supported (this is $(uname -s))"
need node 'Node.js 20+'
need npm 'comes with Node.js'
need python3 'node-gyp and the wheel extraction need Python 3'
need c++ 'install g++ (Debian/Ubuntu: apt-get install g++ make)'
need make 'install make'
need nm 'install binutils'
need readelf 'install binutils'
[[ -d node_modules ]] || die "no node_modules in $repo: run 'npm ci' first"

# --- 1. The tfjs-node package itself, without running its install script -------------------------------------
# `npm ci` deletes tfjs-node (an optional dependency) and its optional-only dependencies when its installer
# fails. Reinstall them from the lockfile in a scratch copy with --ignore-scripts, then copy over just the
# missing optional entries at the paths the lockfile gives: `npm install` in the repo would also prune any
# extraneous packages and restore tfjs-node-gpu, whose addon nobody builds here.
want_version=$(node -p "(require('./package-lock.json').packages['node_modules/$PKG_NAME'] || {}).version || ''")
[[ -n $want_version ]] || die "package-lock.json has no $PKG_NAME entry (it should be an optionalDependency)"
have_version=$(node -p "try { require('$pkg/package.json').version } catch { '' }")
if [[ $have_version != "$want_version" ]] || ! node -e "require.resolve('@mapbox/node-pre-gyp', { paths: ['$pkg'] })" 2>/dev/null; then
  say "restoring $PKG_NAME@$want_version and its dependencies from package-lock.json (install scripts off)"
  stage=$(mktemp -d "$cache/npm-stage.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  cp package.json package-lock.json "$stage/"
  (cd "$stage" && npm ci --ignore-scripts --omit=dev --no-audit --no-fund) >>"$log" 2>&1 \
    || die "npm ci --ignore-scripts in a scratch copy failed (registry unreachable?); see $log"
  node - "$stage" "$repo" <<'EOF' || die "copying $PKG_NAME into node_modules failed; see $log"
const fs = require('fs'), path = require('path');
const [stage, repo] = process.argv.slice(2);
const entries = require(path.join(repo, 'package-lock.json')).packages;
for (const [rel, meta] of Object.entries(entries)) {
  if (!rel.startsWith('node_modules/') || !meta.optional || rel.includes('tfjs-node-gpu')) continue;
  const from = path.join(stage, rel), to = path.join(repo, rel);
  if (fs.existsSync(to) || !fs.existsSync(from)) continue;
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true });
}
EOF
  rm -rf "$stage"; trap - EXIT
fi
[[ -f $pkg/binding.gyp ]] || die "$pkg/binding.gyp missing after restoring the package"

# --- 2. The TensorFlow C library: locate or fetch it ----------------------------------------------------------
src=${1:-}
[[ $# -gt 0 ]] && shift
nvidia_wheels=("$@") # --gpu: the CUDA runtime wheels given after the TensorFlow wheel
[[ $gpu == 1 || ${#nvidia_wheels[@]} == 0 ]] || die "more than one file given; several wheels go with --gpu only"
# Pinned Python/platform tags: the wheel's C library does not depend on them, and the local Python may be a version
# TensorFlow publishes no wheel for.
pip_download() { # <requirement>... ; prints the wheels pip saved or already had
  python3 -m pip download --no-deps --progress-bar off --only-binary=:all: --python-version 3.11 --implementation cp \
    --platform manylinux_2_17_x86_64 -d "$cache/wheels" "$@" 2>>"$log" | tee -a "$log" \
    | sed -n 's#^ *\(Saved\|File was already downloaded\) \(.*\.whl\) *$#\2#p' | while read -r f; do printf '%s\n' "$cache/wheels/$(basename "$f")"; done
  [[ ${PIPESTATUS[0]} == 0 ]]
}
wheel_project=tensorflow_cpu; [[ $gpu == 1 ]] && wheel_project=tensorflow
if [[ -z $src ]]; then
  [[ $(uname -m) == x86_64 ]] || die "TensorFlow wheels are x86_64 only (this is $(uname -m)); pass a libtensorflow tarball or directory"
  src=$(ls "$cache/wheels/$wheel_project-$TF_VERSION-"*.whl 2>/dev/null | head -n 1 || true)
  if [[ -z $src ]]; then
    say "downloading ${wheel_project//_/-}==$TF_VERSION from PyPI into $cache/wheels"
    pip_download "${wheel_project//_/-}==$TF_VERSION" >/dev/null \
      || die "pip download ${wheel_project//_/-}==$TF_VERSION failed (PyPI unreachable, or no such version?); see $log"
    src=$(ls "$cache/wheels/$wheel_project-$TF_VERSION-"*.whl | head -n 1)
  fi
fi
if [[ $gpu == 1 && ${#nvidia_wheels[@]} == 0 && $src == *.whl ]]; then
  [[ -f $src ]] || die "$src: no such file"
  # The NVIDIA runtime packages `pip install tensorflow[and-cuda]` would add: the wheel's METADATA lists them.
  mapfile -t reqs < <(python3 - "$src" <<'EOF'
import re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    meta = next(n for n in z.namelist() if re.match(r'^[^/]+\.dist-info/METADATA$', n))
    for line in z.read(meta).decode().splitlines():
        m = re.match(r'^Requires-Dist:\s*([^;]+);\s*(.+)$', line)
        if m and re.search(r'extra\s*==\s*["\']and[-_]cuda["\']', m.group(2)):
            print(re.sub(r'\s+', '', m.group(1)).replace('(', '').replace(')', ''))
EOF
  )
  [[ ${#reqs[@]} -gt 0 ]] || die "$(basename "$src") lists no and-cuda requirements: not a CUDA build of TensorFlow?"
  say "downloading TensorFlow's ${#reqs[@]} NVIDIA CUDA runtime wheels (${reqs[*]}) into $cache/wheels"
  mapfile -t nvidia_wheels < <(pip_download "${reqs[@]}") && [[ ${#nvidia_wheels[@]} -gt 0 ]] \
    || die "pip download of the NVIDIA CUDA wheels failed; see $log"
fi
[[ -e $src ]] || die "$src: no such file or directory"
src=$(readlink -f "$src")

# Archives are unpacked once into the cache; a marker file says the unpacking finished.
unpack_once() { # <archive> <kind>
  local dest=$cache/extracted/$(basename "$1") id; id=$(stat -c %s:%Y "$1")
  if [[ ! -f $dest/.complete || $(cat "$dest/.complete") != "$id" ]]; then
    say "unpacking $(basename "$1") into $dest" >&2 # stdout is the result
    rm -rf "$dest" && mkdir -p "$dest"
    if [[ $2 == wheel ]]; then
      # Only the shared libraries and the headers: the wheel is ~1 GB unpacked (NVIDIA wheels: nvidia/*/lib/*.so*).
      python3 - "$1" "$dest" <<'EOF' >>"$log" 2>&1 || die "cannot unpack wheel $1 (corrupt download?); see $log"
import re, sys, zipfile
whl, dest = sys.argv[1:]
with zipfile.ZipFile(whl) as z:
    names = [n for n in z.namelist()
             if n.startswith('tensorflow/include/') or (n.count('/') == 1 and n.startswith('tensorflow/libtensorflow'))
             or re.match(r'^nvidia/[^/]+/lib/[^/]+\.so(\.[0-9.]+)?$', n)]
    z.extractall(dest, names)
EOF
    else
      tar -xzf "$1" -C "$dest" >>"$log" 2>&1 || die "cannot unpack $1 (not a .tar.gz?); see $log"
    fi
    printf '%s' "$id" >"$dest/.complete"
  fi
  printf '%s' "$dest"
}
case $src in
  *.whl) root=$(unpack_once "$src" wheel) ;;
  *.tar.gz | *.tgz) root=$(unpack_once "$src" tar) ;;
  *) [[ -d $src ]] || die "$src: expected a .whl, a .tar.gz or a directory"; root=$src ;;
esac

first_dir_with() { # <relative file> <candidate dirs...>
  local f=$1; shift
  for d in "$@"; do [[ -e $d/$f ]] && { printf '%s' "$d"; return 0; }; done
  return 1
}
libdir=$(first_dir_with libtensorflow_framework.so.2 "$root/lib" "$root/tensorflow" "$root") \
  || die "no libtensorflow_framework.so.2 under $root (looked in lib/, tensorflow/ and the top level)"
incdir=$(first_dir_with tensorflow/c/c_api.h "$root/include" "$root/tensorflow/include" "$libdir/include") \
  || die "no include/tensorflow/c/c_api.h under $root: the C headers are missing"

# The C API (TF_*, TFE_*) lives in libtensorflow.so.2 in the C tarball and in libtensorflow_cc.so.2 in wheels.
capi=
for cand in libtensorflow.so.2 libtensorflow_cc.so.2; do
  # (grep without -q: an early exit would fail the pipeline under pipefail)
  if [[ -e $libdir/$cand ]] && nm -D --defined-only "$libdir/$cand" | grep -E ' TFE_NewContext(@|$)' >/dev/null; then
    capi=$(readlink -f "$libdir/$cand"); break
  fi
done
[[ -n $capi ]] || die "neither libtensorflow.so.2 nor libtensorflow_cc.so.2 in $libdir exports the TensorFlow C API (TFE_NewContext)"
framework=$(readlink -f "$libdir/libtensorflow_framework.so.2")
soname() { readelf -d "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p'; }
capi_soname=$(soname "$capi"); framework_soname=$(soname "$framework")
[[ -n $capi_soname && -n $framework_soname ]] || die "cannot read the SONAMEs of $capi / $framework"

# --- 3. Already done? -----------------------------------------------------------------------------------------
stamp="$src $(stat -c %s:%Y "$capi") $capi_soname node-api-$(node -p process.versions.napi)${nvidia_wheels[*]+ gpu ${nvidia_wheels[*]}}"
check_load() { # prints "<tfjs-node version> <TensorFlow version>", or the first line of the error on stderr
  (cd "$repo" && TF_CPP_MIN_LOG_LEVEL=2 node -e "
    try {
      const tf = require('$PKG_NAME');
      const sum = tf.tidy(() => tf.tensor1d([1, 2, 3]).square().sum().dataSync()[0]);
      if (tf.getBackend() !== 'tensorflow' || sum !== 14) throw new Error('backend ' + tf.getBackend() + ' computed ' + sum + ' for 1+4+9');
      console.log(tf.version['tfjs-node'] + ' ' + tf.backend().binding.TF_Version);
    } catch (e) { console.error(String(e.message).split('\n')[0]); process.exit(1); }")
}
if [[ -f $pkg/deps/cxr-lab-source && $(cat "$pkg/deps/cxr-lab-source") == "$stamp" ]] && versions=$(check_load 2>/dev/null); then
  say "already installed: tfjs-node ${versions% *} on TensorFlow ${versions#* } ($((SECONDS - started)) s)"
  exit 0
fi

# --- 4. Check everything the build needs before touching deps/ -------------------------------------------------
nodedir=${NODEDIR:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}
[[ -f $nodedir/include/node/node_api.h ]] \
  || die "Node headers not found in $nodedir/include/node (set NODEDIR to a Node.js install or headers directory; node-gyp would otherwise download them)"
node_gyp=${NODE_GYP:-$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js}
[[ -f $node_gyp ]] || die "node-gyp not found at $node_gyp (set NODE_GYP, or: npm install -g node-gyp)"
binding=$(node -p "require(require.resolve('@mapbox/node-pre-gyp', { paths: ['$pkg'] })).find('$pkg/package.json')")
napi=$(sed -n 's#.*/napi-v\([0-9]*\)/.*#\1#p' <<<"$binding")
[[ -n $napi ]] || die "unexpected addon path from node-pre-gyp: $binding"

# Only the headers the binding includes, transitively, go to deps/include (the wheel ships ~200 MB of headers).
probe=$(mktemp --suffix=.cc)
grep -ho '#include "tensorflow/[^"]*"' "$pkg"/binding/*.cc "$pkg"/binding/*.h | sort -u >"$probe"
headers=$(c++ -std=c++17 -M -I "$incdir" "$probe" 2>>"$log" | tr ' \\' '\n\n' | grep -F "$incdir/" | sort -u) \
  || { rm -f "$probe"; die "the headers in $incdir are incomplete for tfjs-node's binding; see $log"; }
rm -f "$probe"

# --- 5. Fill deps/ as tfjs-node's binding.gyp expects, and build the addon where node-pre-gyp looks for it ------
say "using the TensorFlow C library in $libdir ($capi_soname)"
rm -rf "$pkg/deps" && mkdir -p "$pkg/deps/lib" "$pkg/deps/include"
place() { # hard link when on the same file system (instant, survives cache removal), else copy
  ln -f "$1" "$2" 2>/dev/null || cp -f "$1" "$2" || die "cannot copy $1 to $2 (disk full?)"
}
place "$capi" "$pkg/deps/lib/$capi_soname"
place "$framework" "$pkg/deps/lib/$framework_soname"
# binding.gyp links -ltensorflow -ltensorflow_framework; the addon then records the SONAMEs above.
ln -sf "$capi_soname" "$pkg/deps/lib/libtensorflow.so"
ln -sf "$framework_soname" "$pkg/deps/lib/libtensorflow_framework.so"
while read -r h; do (cd "$incdir" && cp --parents "${h#"$incdir/"}" "$pkg/deps/include/"); done <<<"$headers"
# --gpu: the CUDA runtime libraries beside TensorFlow's. TensorFlow dlopen()s them by name, and its framework
# library's RUNPATH includes $ORIGIN/, so deps/lib is where they are found without LD_LIBRARY_PATH.
for w in "${nvidia_wheels[@]+"${nvidia_wheels[@]}"}"; do
  [[ -f $w ]] || die "$w: no such file"
  nv=$(unpack_once "$(readlink -f "$w")" wheel)
  found=0
  while IFS= read -r -d '' so; do place "$so" "$pkg/deps/lib/$(basename "$so")"; found=$((found + 1)); done \
    < <(find "$nv/nvidia" -path '*/lib/*.so*' -type f -print0 2>/dev/null)
  [[ $found -gt 0 ]] || die "$(basename "$w") holds no nvidia/*/lib/*.so* libraries"
done
[[ ${#nvidia_wheels[@]} -gt 0 ]] && say "placed the CUDA libraries of ${#nvidia_wheels[@]} NVIDIA wheels in $pkg/deps/lib"

say "building the N-API addon (napi-v$napi, headers from $nodedir, node-gyp $(node "$node_gyp" --version))"
node "$node_gyp" rebuild --directory="$pkg" --nodedir="$nodedir" --jobs=max \
  --module_name=tfjs_binding --module_path="$(dirname "$binding")" --napi_build_version="$napi" >>"$log" 2>&1 \
  || { grep -E 'error|Error' "$log" | head -n 5 >&2; die "node-gyp failed to build the addon; full log: $log"; }

# --- 6. Check it loads and computes from the repo ---------------------------------------------------------------
missing=$(ldd "$binding" | grep 'not found' || true)
[[ -z $missing ]] || die "the addon cannot find shared libraries: $(tr -s ' \t\n' ' ' <<<"$missing")"
versions=$(check_load) || die "require('$PKG_NAME') fails after the build (message above); see $log"
printf '%s\n' "$stamp" >"$pkg/deps/cxr-lab-source"
say "ok: tfjs-node ${versions% *} on TensorFlow ${versions#* } ($((SECONDS - started)) s)"
if [[ $gpu == 1 ]]; then
  say "GPU: $(cd "$repo" && node --import tsx -e "require('./src/engine/native/gpuProbe').probeGpu({ build: 'gpu', env: { LD_LIBRARY_PATH: '$pkg/deps/lib' } }).then((r) => console.log(r.summary))" 2>/dev/null || echo 'the probe did not run')"
fi
