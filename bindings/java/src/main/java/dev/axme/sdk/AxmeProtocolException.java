package dev.axme.sdk;

/** The server answered something AXP does not allow (a bad body, a broken stream). */
public class AxmeProtocolException extends RuntimeException implements AxmeFailure {
    private static final long serialVersionUID = 1L;

    private final transient ErrorDetails details;

    public AxmeProtocolException(ErrorDetails details) {
        super(details.message());
        this.details = details;
    }

    @Override
    public ErrorDetails details() {
        return details;
    }
}
