package dev.axme.sdk;

/** 400/422: the server refused the request's content. */
public class AxmeValidationException extends AxmeHttpException {
    private static final long serialVersionUID = 1L;

    public AxmeValidationException(ErrorDetails details) {
        super(details);
    }
}
