package dev.axme.sdk;

/** 404: no such resource for this credential. */
public class AxmeNotFoundException extends AxmeHttpException {
    private static final long serialVersionUID = 1L;

    public AxmeNotFoundException(ErrorDetails details) {
        super(details);
    }
}
