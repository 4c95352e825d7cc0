#!/usr/bin/env python3
"""Writes the NuGet package Axme.<version>.nupkg (a zip with its .nuspec) directly.

Debian's nuget 2.8.7 predates netstandard and would rewrite the netstandard2.0 dependency group
to `Unsupported0.0`, so the package is written here: the assembly under lib/netstandard2.0, the
native library under runtimes/linux-x64/native, the dependencies .NET users restore (System.Json,
Microsoft.Bcl.AsyncInterfaces) in a netstandard2.0 group.
"""

import argparse
import zipfile

NUSPEC = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>Axme</id>
    <version>{version}</version>
    <authors>AXME</authors>
    <license type="expression">MIT</license>
    <description>AXME .NET SDK (namespace Axme.Sdk) over the Rust client core: retries, idempotency keys, streaming observe and listen, mesh, MCP.</description>
    <dependencies>
      <group targetFramework=".NETStandard2.0">
        <dependency id="System.Json" version="4.7.1" exclude="Build,Analyzers" />
        <dependency id="Microsoft.Bcl.AsyncInterfaces" version="8.0.0" exclude="Build,Analyzers" />
      </group>
    </dependencies>
  </metadata>
</package>
"""

CONTENT_TYPES = """<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
  <Default Extension="nuspec" ContentType="application/octet" />
  <Default Extension="dll" ContentType="application/octet" />
  <Default Extension="xml" ContentType="application/octet" />
  <Default Extension="so" ContentType="application/octet" />
</Types>
"""


def main() -> None:
    p = argparse.ArgumentParser()
    for flag in ("--version", "--out", "--dll", "--xml", "--native"):
        p.add_argument(flag, required=True)
    a = p.parse_args()
    with zipfile.ZipFile(a.out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("Axme.nuspec", NUSPEC.format(version=a.version))
        z.write(a.dll, "lib/netstandard2.0/Axme.Sdk.dll")
        z.write(a.xml, "lib/netstandard2.0/Axme.Sdk.xml")
        z.write(a.native, "runtimes/linux-x64/native/libaxme_ffi.so")


if __name__ == "__main__":
    main()
