package dev.axme.sdk;

import java.io.IOException;

/**
 * The server could not be reached (refused, reset, DNS, TLS), after the core's retries. An
 * {@code IOException}, as transport failures were in the public SDK; the newer unchecked forms
 * throw {@link AxmeConnectionError} instead.
 */
public class AxmeConnectionException extends IOException implements AxmeFailure {
    private static final long serialVersionUID = 1L;

    private final transient ErrorDetails details;

    public AxmeConnectionException(ErrorDetails details) {
        super(details.message());
        this.details = details;
    }

    @Override
    public ErrorDetails details() {
        return details;
    }
}
