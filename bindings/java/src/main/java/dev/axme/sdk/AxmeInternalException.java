package dev.axme.sdk;

/** A failure inside the native core (a bug): please report it. */
public class AxmeInternalException extends RuntimeException implements AxmeFailure {
    private static final long serialVersionUID = 1L;

    private final transient ErrorDetails details;

    public AxmeInternalException(ErrorDetails details) {
        super(details.message());
        this.details = details;
    }

    @Override
    public ErrorDetails details() {
        return details;
    }
}
