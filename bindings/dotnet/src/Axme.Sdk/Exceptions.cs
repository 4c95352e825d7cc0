using System;
using System.Net.Http;
using Axme.Sdk.Internal;

namespace Axme.Sdk
{
    /// <summary>Everything the core knows about a failure, whichever exception class carries it.</summary>
    public sealed class AxmeError
    {
        internal AxmeError(ErrorRecord r)
        {
            Kind = FfiWaist.ErrorKindNames[(int)r.Kind - 1];
            Status = r.Status;
            Code = r.Code;
            Body = r.Body;
            RequestId = r.RequestId;
            TraceId = r.TraceId;
            RetryAfterSeconds = r.RetryAfterSeconds;
            Retryable = r.Retryable;
        }

        /// <summary>The core's error kind: <c>auth</c>, <c>not_found</c>, <c>timeout</c>, ...</summary>
        public string Kind { get; }
        /// <summary>The HTTP status, when a response carried the error.</summary>
        public int? Status { get; }
        /// <summary>The body's <c>error.code</c>, or the JSON-RPC code.</summary>
        public string Code { get; }
        /// <summary>The response body as JSON text.</summary>
        public string Body { get; }
        /// <summary>The server's request id.</summary>
        public string RequestId { get; }
        /// <summary>The <c>X-Trace-Id</c> of the failed request.</summary>
        public string TraceId { get; }
        /// <summary>The parsed <c>Retry-After</c>, in seconds.</summary>
        public double? RetryAfterSeconds { get; }
        /// <summary>Whether repeating the same request could succeed.</summary>
        public bool Retryable { get; }
    }

    /// <summary>Implemented by every exception the SDK throws for a failed call.</summary>
    public interface IAxmeException
    {
        /// <summary>The failure as the core reported it.</summary>
        AxmeError Error { get; }
    }

    /// <summary>A non-2xx answer (the public SDK's one exception type, now the base of one class per kind).</summary>
    public class AxmeHttpException : Exception, IAxmeException
    {
        /// <summary>As in the public SDK.</summary>
        public AxmeHttpException(int statusCode, string responseBody)
            : base("axme request failed with status " + statusCode)
        {
            StatusCode = statusCode;
            ResponseBody = responseBody;
        }

        internal AxmeHttpException(ErrorRecord r) : base(r.Message)
        {
            Error = new AxmeError(r);
            StatusCode = r.Status ?? 0;
            ResponseBody = r.Body ?? "";
        }

        /// <summary>The HTTP status (0 when the error came without a response).</summary>
        public int StatusCode { get; }
        /// <summary>The response body.</summary>
        public string ResponseBody { get; }
        /// <inheritdoc/>
        public AxmeError Error { get; }
        /// <summary>The server's request id.</summary>
        public string RequestId => Error?.RequestId;
        /// <summary>The trace id the request carried.</summary>
        public string TraceId => Error?.TraceId;
        /// <summary>How long the server asked to wait before retrying.</summary>
        public TimeSpan? RetryAfter => Error?.RetryAfterSeconds == null ? (TimeSpan?)null : TimeSpan.FromSeconds(Error.RetryAfterSeconds.Value);
    }

    /// <summary>401/403.</summary>
    public class AxmeAuthException : AxmeHttpException { internal AxmeAuthException(ErrorRecord r) : base(r) { } }
    /// <summary>400/413/422.</summary>
    public class AxmeValidationException : AxmeHttpException { internal AxmeValidationException(ErrorRecord r) : base(r) { } }
    /// <summary>409.</summary>
    public class AxmeConflictException : AxmeHttpException { internal AxmeConflictException(ErrorRecord r) : base(r) { } }
    /// <summary>404.</summary>
    public class AxmeNotFoundException : AxmeHttpException { internal AxmeNotFoundException(ErrorRecord r) : base(r) { } }
    /// <summary>429.</summary>
    public class AxmeRateLimitException : AxmeHttpException { internal AxmeRateLimitException(ErrorRecord r) : base(r) { } }
    /// <summary>5xx.</summary>
    public class AxmeServerException : AxmeHttpException { internal AxmeServerException(ErrorRecord r) : base(r) { } }
    /// <summary>408 from the server.</summary>
    public class AxmeRequestTimeoutException : AxmeHttpException { internal AxmeRequestTimeoutException(ErrorRecord r) : base(r) { } }
    /// <summary>A JSON-RPC error of the MCP endpoint (the public SDK returned it as a value).</summary>
    public class AxmeMcpException : AxmeHttpException { internal AxmeMcpException(ErrorRecord r) : base(r) { } }

    /// <summary>An argument refused before anything was sent.</summary>
    public class AxmeInvalidArgumentException : ArgumentException, IAxmeException
    {
        internal AxmeInvalidArgumentException(ErrorRecord r) : base(r.Message) { Error = new AxmeError(r); }
        /// <inheritdoc/>
        public AxmeError Error { get; }
    }

    /// <summary>A deadline passed: a request's, or <c>WaitForAsync</c>/<c>ObserveAsync</c>'s <c>timeoutSeconds</c>.</summary>
    public class AxmeTimeoutException : TimeoutException, IAxmeException
    {
        internal AxmeTimeoutException(ErrorRecord r) : base(r.Message) { Error = new AxmeError(r); }
        /// <inheritdoc/>
        public AxmeError Error { get; }
    }

    /// <summary>The connection could not be made or broke.</summary>
    public class AxmeConnectionException : HttpRequestException, IAxmeException
    {
        internal AxmeConnectionException(ErrorRecord r) : base(r.Message) { Error = new AxmeError(r); }
        /// <inheritdoc/>
        public AxmeError Error { get; }
    }

    /// <summary>The server answered something the client cannot understand.</summary>
    public class AxmeProtocolException : InvalidOperationException, IAxmeException
    {
        internal AxmeProtocolException(ErrorRecord r) : base(r.Message) { Error = new AxmeError(r); }
        /// <inheritdoc/>
        public AxmeError Error { get; }
    }

    /// <summary>The call was cancelled (its CancellationToken, or the client was disposed).</summary>
    public class AxmeCanceledException : OperationCanceledException, IAxmeException
    {
        internal AxmeCanceledException(ErrorRecord r) : base(r.Message) { Error = new AxmeError(r); }
        /// <inheritdoc/>
        public AxmeError Error { get; }
    }

    /// <summary>A defect inside the client engine.</summary>
    public class AxmeInternalException : Exception, IAxmeException
    {
        internal AxmeInternalException(ErrorRecord r) : base(r.Message) { Error = new AxmeError(r); }
        /// <inheritdoc/>
        public AxmeError Error { get; }
    }
}
