package dev.axme.sdk.internal;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Loads {@code axme_ffi} once and registers {@link FfiNatives} on it. JNA finds the library in a
 * {@code jna.library.path} folder first (tests and the conformance driver point it at
 * {@code target/debug}, so nothing is extracted per JVM), then inside the jar under its
 * platform folder ({@code linux-x86-64/}), which it extracts to a temporary file.
 */
final class NativeLibrary {
    private NativeLibrary() {}

    private static volatile boolean loaded;

    /** Registers the natives, or throws naming the platform when no library matches it. */
    static void ensureLoaded() {
        if (loaded) {
            return;
        }
        synchronized (NativeLibrary.class) {
            if (loaded) {
                return;
            }
            try {
                Native.register(FfiNatives.class, "axme_ffi");
            } catch (UnsatisfiedLinkError e) {
                throw new UnsatisfiedLinkError("axme: no native library axme_ffi for platform "
                        + Platform.RESOURCE_PREFIX + " (the jar ships linux-x86-64 only; or set "
                        + "jna.library.path to a folder holding libaxme_ffi.so): " + e.getMessage());
            }
            String mismatch = FfiNatives.checksumMismatch();
            if (mismatch != null) {
                throw new UnsatisfiedLinkError("axme: the native library axme_ffi does not match "
                        + "these Java declarations (" + mismatch + "): rebuild both from one commit");
            }
            loaded = true;
        }
    }
}
