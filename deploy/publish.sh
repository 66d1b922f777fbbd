#!/usr/bin/env bash
# Builds the gateway as one self-contained executable per platform, with the version stamped in.
#
#   deploy/publish.sh [--rid RID]... [--version X.Y.Z[-suffix]] [--output DIR] [--trim MODE] [--no-ready-to-run]
#
#   --rid RID      build only this runtime (repeatable); default: linux-x64 linux-arm64 win-x64
#   --version V    the version to stamp; default: from `git describe` (tag vX.Y.Z), else 0.1.0+g<commit>
#   --output DIR   where to put RID folders; default: artifacts/publish
#   --trim MODE    what IL trimming removes code from (docs/deploy.md, "Building"):
#                    framework  (default) only the .NET assemblies and the libraries marked trimmable (MQTTnet,
#                               Google.Protobuf, System.CommandLine, Polly.Core, NodaTime); the gateway's own
#                               assemblies and the other libraries (InfluxDB.Client, Newtonsoft.Json, RestSharp,
#                               YamlDotNet, prometheus-net) stay whole. About 0.86-0.90 of the resident memory.
#                    none       nothing trimmed
#                    all        every assembly: an experiment, it breaks the gateway (the YAML binder and System.Text.Json
#                               reflect over the gateway's own types)
#   --no-ready-to-run  leave out the native code compiled ahead of time (ReadyToRun), which is on by default: it
#                  starts in about 0.6 of the time and saves most of the JIT work of the first minutes, for a file
#                  about 13 MB larger (docs/performance.md, issue 26). --ready-to-run is still accepted. With
#                  ReadyToRun the tiered JIT is off (the precompiled code is final: less memory and no recompiling
#                  in the first minutes); without it, on.
#
# Result, per RID: DIR/RID/gateway (gateway.exe on Windows), DIR/RID/config/ (the embedded default, examples,
# schemas), docs/deploy.md and the installer (install.sh + gateway.service, or install.ps1 + uninstall.ps1).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
rids=()
version=""
output="$root/artifacts/publish"
trim=framework
readytorun=true

usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --rid) [ $# -ge 2 ] || { echo "publish.sh: --rid needs a value (linux-x64, linux-arm64, win-x64)" >&2; exit 64; }
           rids+=("$2"); shift 2 ;;
    --version) [ $# -ge 2 ] || { echo "publish.sh: --version needs a value such as 1.2.0" >&2; exit 64; }
           version="$2"; shift 2 ;;
    --output) [ $# -ge 2 ] || { echo "publish.sh: --output needs a directory" >&2; exit 64; }
           output="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --trim) [ $# -ge 2 ] || { echo "publish.sh: --trim needs a mode: framework, none or all" >&2; exit 64; }
           trim="$2"; shift 2 ;;
    --ready-to-run) readytorun=true; shift ;;
    --no-ready-to-run) readytorun=false; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "publish.sh: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
  esac
done
[ ${#rids[@]} -gt 0 ] || rids=(linux-x64 linux-arm64 win-x64)

case "$trim" in
  # TrimMode=partial trims only assemblies marked IsTrimmable: the framework and the libraries annotated for it.
  # Everything else is kept whole, so the reflection of the YAML binder, System.Text.Json (left on: trimming turns
  # it off by default) and InfluxDB.Client's Newtonsoft.Json over their own types keeps working. The trimmer's
  # warnings all point at reflection in the gateway's own code over its own types, which it leaves whole, and are
  # not shown. tests/Gateway.Deploy.Tests/TrimmedGatewayTests runs the trimmed file through every part it ships.
  framework) trim_args=(-p:PublishTrimmed=true -p:TrimMode=partial -p:JsonSerializerIsReflectionEnabledByDefault=true
                        -p:EnableTrimAnalyzer=false -p:SuppressTrimAnalysisWarnings=true) ;;
  none) trim_args=(-p:PublishTrimmed=false) ;;
  all) trim_args=(-p:PublishTrimmed=true -p:TrimMode=full -p:EnableTrimAnalyzer=false -p:TreatWarningsAsErrors=false) ;;
  *) echo "publish.sh: unknown --trim mode '$trim'; use framework (the default), none or all" >&2; exit 64 ;;
esac

for rid in "${rids[@]}"; do
  case "$rid" in
    linux-x64|linux-arm64|win-x64) ;;
    *) echo "publish.sh: unsupported --rid '$rid'; use linux-x64, linux-arm64 or win-x64" >&2; exit 64 ;;
  esac
done

# Version: the assembly version must be numeric (X.Y.Z), the informational version carries the rest.
if [ -z "$version" ]; then
  described="$(git -C "$root" describe --tags --match 'v[0-9]*' 2>/dev/null || true)"
  commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  dirty=""
  if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null || true)" ]; then dirty=".dirty"; fi
  if [[ "$described" =~ ^v([0-9]+\.[0-9]+\.[0-9]+)(-(.*))?$ ]]; then
    # v1.2.0 -> 1.2.0; v1.2.0-5-gabc1234 -> 1.2.0+5.gabc1234 (commits after the tag)
    numeric="${BASH_REMATCH[1]}"
    rest="${BASH_REMATCH[3]:-}"
    build="${rest//-/.}$dirty"
    build="${build#.}"
    informational="$numeric${build:++$build}"
  else
    numeric="0.1.0"
    informational="0.1.0+g$commit$dirty"
  fi
else
  if ! [[ "$version" =~ ^([0-9]+\.[0-9]+\.[0-9]+)([-+][0-9A-Za-z.+-]+)?$ ]]; then
    echo "publish.sh: --version '$version' is not X.Y.Z or X.Y.Z-suffix (e.g. 1.2.0 or 1.2.0-rc.1)" >&2
    exit 64
  fi
  numeric="${BASH_REMATCH[1]}"
  informational="$version"
fi

# Intermediate files of every project go here, not to each project's bin/ and obj/: a publish (with its version
# stamp) never overwrites or locks the files of a build or test run in the same tree.
build="$root/artifacts/publish-build"

# Not compressed: a compressed single file unpacks every assembly into memory at each start (about 15 MB more RSS
# and up to 2 s more to the first reading on a 2-core PC); uncompressed, they are mapped from the file, for a file about
# twice as large. ReadyToRun code is used as it is (no tiering): 0.8-0.9 of the memory and much less JIT work at
# first (docs/performance.md, "Shipped form"). Not composite: a self-contained ReadyToRun publish otherwise compiles the
# whole runtime with the gateway into one 75 MB image, and each process touches about 25 MB more of it than of the
# runtime's own precompiled assemblies: 0.88-0.92 of the RSS for 0.97-1.15 of the CPU at 10,000 readings/s
# (docs/performance.md, "Not composite").
tiered=true
if [ "$readytorun" = true ]; then tiered=false; fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

for rid in "${rids[@]}"; do
  dest="$output/$rid"
  echo "publish.sh: $rid -> $dest (version $informational, trimmed: $trim, ReadyToRun: $readytorun, tiered JIT: $tiered)"
  rm -rf "$dest"
  # ReadyToRun's intermediate images are compiled again each time: left from a build with other ReadyToRun settings
  # (e.g. a composite one), they would be bundled as they are, and the executable would abort at start.
  rm -rf "$build"/obj/*/*"$rid"*/R2R
  # Likewise the trimmed assemblies: the trimmer does not run again when only the trim settings changed.
  rm -rf "$build"/obj/*/*"$rid"*/linked
  dotnet publish "$root/gateway/Gateway.Host/Gateway.Host.csproj" \
    -c Release -r "$rid" --self-contained \
    -p:PublishSingleFile=true \
    -p:IncludeNativeLibrariesForSelfExtract=true \
    -p:EnableCompressionInSingleFile=false \
    -p:DebugType=none \
    "${trim_args[@]}" \
    -p:PublishReadyToRun="$readytorun" \
    -p:PublishReadyToRunComposite=false \
    -p:TieredCompilation="$tiered" \
    -p:Version="$numeric" \
    -p:InformationalVersion="$informational" \
    -p:IncludeSourceRevisionInInformationalVersion=false \
    --artifacts-path "$build" \
    -o "$dest" -nologo -clp:ErrorsOnly
  # Symbols of projects that set their own DebugType are not needed on a factory PC.
  rm -f "$dest"/*.pdb
  # The whole config folder travels with the binary: the embedded default, the examples and the JSON Schemas.
  rm -rf "$dest/config"
  cp -R "$root/config" "$dest/config"
  # Each folder is an install bundle: copy it to the factory PC and run the installer inside it.
  mkdir -p "$dest/docs"
  cp "$root/docs/deploy.md" "$dest/docs/deploy.md"
  case "$rid" in
    linux-*) cp "$root/deploy/linux/gateway.service" "$root/deploy/linux/install.sh" "$dest/" ;;
    win-*) cp "$root/deploy/windows/install.ps1" "$root/deploy/windows/uninstall.ps1" "$dest/" ;;
  esac
  exe="$dest/gateway"; [ "$rid" = win-x64 ] && exe="$dest/gateway.exe"
  [ -f "$exe" ] || { echo "publish.sh: $rid: expected $exe, not found" >&2; exit 1; }
  echo "publish.sh: $rid: $(du -h "$exe" | cut -f1) $exe"
done
