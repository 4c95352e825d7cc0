package dev.axme.sdk;

/** an MCP JSON-RPC error (status 0) or an MCP transport failure. */
public class AxmeMcpException extends AxmeHttpException {
    private static final long serialVersionUID = 1L;

    public AxmeMcpException(ErrorDetails details) {
        super(details);
    }
}
