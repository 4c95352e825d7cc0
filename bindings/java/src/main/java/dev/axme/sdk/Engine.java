package dev.axme.sdk;

import dev.axme.sdk.internal.CancelToken;
import dev.axme.sdk.internal.ErrorClasses;
import dev.axme.sdk.internal.Ffi;
import dev.axme.sdk.internal.FfiException;
import dev.axme.sdk.internal.FfiWaist;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * What the client and its mesh share: running a waist call in one of three forms (checked for
 * the public SDK's methods, unchecked, or on a daemon thread behind a {@code CompletableFuture}
 * whose cancellation cancels the core's token), and turning failures into the exception class
 * the generated table names for their kind.
 */
final class Engine {
    private Engine() {}

    private static final AtomicInteger THREADS = new AtomicInteger();

    /** Daemon threads: an application's {@code main} returning ends the JVM. */
    private static final ExecutorService EXECUTOR = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "axme-call-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /** One waist call given its cancel token (or {@code null}). */
    @FunctionalInterface
    interface Work<T> {
        T run(CancelToken token);
    }

    /**
     * A blocking call of the public form: connection failures are checked exceptions, and an
     * interrupt of the calling thread cancels the call ({@link InterruptedException}).
     */
    static <T> T checked(Work<T> work) throws IOException, InterruptedException {
        try {
            return InterruptibleCall.run(work);
        } catch (FfiException e) {
            Exception mapped = ErrorClasses.PUBLIC.get(e.details.kind()).apply(e.details);
            if (mapped instanceof IOException io) {
                throw io;
            }
            throw (RuntimeException) mapped;
        }
    }

    /**
     * A blocking call with unchecked exceptions; an interrupt of the calling thread cancels it
     * ({@link AxmeCanceledException}, the thread's interrupt status kept set).
     */
    static <T> T unchecked(Work<T> work) {
        try {
            return InterruptibleCall.run(t -> unchecked(work, t));
        } catch (InterruptedException e) {
            throw InterruptibleCall.canceled(e);
        }
    }

    static <T> T unchecked(Work<T> work, CancelToken token) {
        try {
            return work.run(token);
        } catch (FfiException e) {
            throw toUnchecked(e);
        }
    }

    static RuntimeException toUnchecked(FfiException e) {
        Function<ErrorDetails, RuntimeException> make = ErrorClasses.UNCHECKED.get(e.details.kind());
        return make.apply(e.details);
    }

    /** Runs {@code work} on the executor; {@code cancel(true)} on the future cancels the call. */
    static <T> CompletableFuture<T> async(Work<T> work) {
        CancelToken token = new CancelToken();
        CompletableFuture<T> future = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                token.cancel();
                return super.cancel(mayInterruptIfRunning);
            }
        };
        EXECUTOR.execute(() -> {
            try {
                future.complete(unchecked(work, token));
            } catch (RuntimeException e) {
                future.completeExceptionally(e);
            } finally {
                token.close();
            }
        });
        return future;
    }

    /** The core's call options for {@code o} ({@code null}: none). */
    static FfiWaist.CallOptions callOptions(RequestOptions o) {
        FfiWaist.CallOptions c = new FfiWaist.CallOptions();
        if (o != null) {
            c.idempotencyKey = o.getIdempotencyKey();
            c.traceId = o.getTraceId();
            c.ownerAgent = o.getOwnerAgent();
            c.xOwnerAgent = o.getXOwnerAgent();
            c.authorization = o.getAuthorization();
            c.timeoutSeconds = o.getTimeoutSeconds();
            c.retryable = o.getRetryable();
        }
        return c;
    }

    /** The core's stream options for {@code o} ({@code null}: the defaults). */
    static FfiWaist.StreamOptions streamOptions(ObserveOptions o) {
        FfiWaist.StreamOptions s = new FfiWaist.StreamOptions();
        if (o != null) {
            s.since = o.getSinceLong();
            s.pollIntervalSeconds = o.getPollIntervalSeconds();
            s.timeoutSeconds = o.getTimeoutSeconds();
            if (o.getWaitSeconds() != null) {
                s.waitSeconds = o.getWaitSeconds();
            }
            s.traceId = o.getTraceId();
            s.status = o.getStatus();
        }
        return s;
    }
}
