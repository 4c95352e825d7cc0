#!/usr/bin/env bash
# Starts the Java conformance driver (Driver.java) built by `./dev build-java`: the SDK jar and
# its dependencies from target/java/classpath.txt, the native library from target/debug (found
# through jna.library.path, so nothing is extracted from the jar at each start).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
classpath="$(cat "$root/target/java/classpath.txt")"
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djna.library.path="$root/target/debug" \
  -cp "$root/target/java/driver:$classpath" Driver
