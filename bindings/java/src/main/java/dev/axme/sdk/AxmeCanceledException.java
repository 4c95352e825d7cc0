package dev.axme.sdk;

import java.util.concurrent.CancellationException;

/** A call or stream stopped by its cancellation (a cancelled future, a closed client). */
public class AxmeCanceledException extends CancellationException implements AxmeFailure {
    private static final long serialVersionUID = 1L;

    private final transient ErrorDetails details;

    public AxmeCanceledException(ErrorDetails details) {
        super(details.message());
        this.details = details;
    }

    @Override
    public ErrorDetails details() {
        return details;
    }
}
