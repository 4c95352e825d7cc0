package dev.axme.sdk;

import java.io.UncheckedIOException;

/** {@link AxmeConnectionException} as the newer forms (async, streams) throw it: unchecked. */
public class AxmeConnectionError extends UncheckedIOException implements AxmeFailure {
    private static final long serialVersionUID = 1L;

    public AxmeConnectionError(ErrorDetails details) {
        super(details.message(), new AxmeConnectionException(details));
    }

    @Override
    public ErrorDetails details() {
        return ((AxmeConnectionException) getCause()).details();
    }
}
