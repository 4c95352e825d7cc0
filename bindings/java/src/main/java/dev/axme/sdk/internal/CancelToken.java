package dev.axme.sdk.internal;

/**
 * The core's cancel token for one call or stream. {@link #cancel} may come from any thread at
 * any time, also after {@link #close}, when it does nothing (the handle is gone).
 */
public final class CancelToken implements AutoCloseable {
    private long handle;

    public CancelToken() {
        this.handle = Ffi.tokenNew();
    }

    /** A new reference for a call to consume, or 0 once closed. */
    synchronized long cloneHandle() {
        return handle == 0 ? 0 : Ffi.tokenClone(handle);
    }

    /** Ends the call or stream it was given to, closing its connection. */
    public synchronized void cancel() {
        if (handle != 0) {
            Ffi.tokenCancel(handle);
        }
    }

    @Override
    public synchronized void close() {
        if (handle != 0) {
            Ffi.tokenFree(handle);
            handle = 0;
        }
    }
}
