package dev.axme.sdk.internal;

import dev.axme.sdk.ErrorDetails;

/** A failed waist call, carrying the core's error until the public layer picks its class. */
public final class FfiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The core's error record. */
    public final transient ErrorDetails details;

    FfiException(ErrorDetails details) {
        super(details.message(), null, false, false);
        this.details = details;
    }
}
