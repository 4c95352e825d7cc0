package dev.axme.sdk;

/** 401/403: the credential is missing, wrong or not allowed. */
public class AxmeAuthException extends AxmeHttpException {
    private static final long serialVersionUID = 1L;

    public AxmeAuthException(ErrorDetails details) {
        super(details);
    }
}
