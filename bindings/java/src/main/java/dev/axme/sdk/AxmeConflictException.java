package dev.axme.sdk;

/** 409: the request conflicts with the resource's state (or reuses an idempotency key). */
public class AxmeConflictException extends AxmeHttpException {
    private static final long serialVersionUID = 1L;

    public AxmeConflictException(ErrorDetails details) {
        super(details);
    }
}
