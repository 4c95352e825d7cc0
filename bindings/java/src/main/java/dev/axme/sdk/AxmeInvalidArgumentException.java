package dev.axme.sdk;

/** An argument or configuration the core refused before sending anything. */
public class AxmeInvalidArgumentException extends IllegalArgumentException implements AxmeFailure {
    private static final long serialVersionUID = 1L;

    private final transient ErrorDetails details;

    public AxmeInvalidArgumentException(ErrorDetails details) {
        super(details.message());
        this.details = details;
    }

    @Override
    public ErrorDetails details() {
        return details;
    }
}
