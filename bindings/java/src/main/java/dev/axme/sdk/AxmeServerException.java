package dev.axme.sdk;

/** 5xx: the server failed. */
public class AxmeServerException extends AxmeHttpException {
    private static final long serialVersionUID = 1L;

    public AxmeServerException(ErrorDetails details) {
        super(details);
    }
}
