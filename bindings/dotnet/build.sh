#!/usr/bin/env bash
# Builds, tests and lints the .NET SDK with Mono (no .NET SDK or NuGet feed is needed here):
#   build.sh build   Axme.Sdk.dll (+ XML docs), the conformance driver and Axme.<version>.nupkg in
#                    target/dotnet, beside a link to target/debug/libaxme_ffi.so (Mono looks for a
#                    DllImport library beside the assembly first)
#   build.sh test    the NUnit tests (examples/dotnet included) and the compile-only public-SDK program
#   build.sh lint    every C# file through mcs -warnaserror
# Run from the repository root (./dev build-dotnet, ./dev test, ./dev lint do).
set -euo pipefail

OUT=target/dotnet
VERSION=0.3.0
MCS=(mcs -langversion:7.2 -warnaserror -r:System.Json -r:System.Net.Http -r:System.Core)

build() {
  # The same packages as ./dev's build_native, so no dependency is compiled for another feature set.
  cargo build -p axme-ffi -p axme-server -p axme-conformance
  mkdir -p "$OUT"
  ln -sf ../debug/libaxme_ffi.so "$OUT/libaxme_ffi.so"
  # 1570: the waist's own doc texts (FfiWaist.cs) hold unescaped <placeholders>.
  "${MCS[@]}" -nowarn:1570 -target:library -doc:"$OUT/Axme.Sdk.xml" -out:"$OUT/Axme.Sdk.dll" \
    -recurse:'bindings/dotnet/src/Axme.Sdk/*.cs'
  "${MCS[@]}" -r:"$OUT/Axme.Sdk.dll" -out:"$OUT/axme-conformance-driver.exe" conformance/drivers/dotnet/*.cs
  python3 bindings/dotnet/pack.py --version "$VERSION" --out "$OUT/Axme.$VERSION.nupkg" \
    --dll "$OUT/Axme.Sdk.dll" --xml "$OUT/Axme.Sdk.xml" --native "$OUT/libaxme_ffi.so"
}

test() {
  build
  # Written from the public SDK's surface: it must compile against this package, named arguments included.
  "${MCS[@]}" -nowarn:219 -target:library -r:"$OUT/Axme.Sdk.dll" -out:"$OUT/PublicSurface.dll" bindings/dotnet/tests/PublicSurface.cs
  for example in examples/dotnet/*.cs; do
    "${MCS[@]}" -r:"$OUT/Axme.Sdk.dll" -out:"$OUT/$(basename "$example" .cs).exe" "$example"
  done
  "${MCS[@]}" -target:library -r:System.IO.Compression -r:System.IO.Compression.FileSystem -r:"$OUT/Axme.Sdk.dll" -r:/usr/lib/cli/nunit.framework-2.6.3/nunit.framework.dll -out:"$OUT/Axme.Sdk.Tests.dll" \
    bindings/dotnet/tests/*Tests.cs bindings/dotnet/tests/ServerFixture.cs
  (cd "$OUT" && nunit-console -nologo -labels Axme.Sdk.Tests.dll)
}

lint() {
  mkdir -p "$OUT/lint"
  "${MCS[@]}" -target:library -out:"$OUT/lint/Axme.Sdk.dll" -recurse:'bindings/dotnet/src/Axme.Sdk/*.cs'
  "${MCS[@]}" -r:"$OUT/lint/Axme.Sdk.dll" -out:"$OUT/lint/driver.exe" conformance/drivers/dotnet/*.cs
  for example in examples/dotnet/*.cs; do
    "${MCS[@]}" -r:"$OUT/lint/Axme.Sdk.dll" -out:"$OUT/lint/$(basename "$example" .cs).exe" "$example"
  done
}

"$@"
