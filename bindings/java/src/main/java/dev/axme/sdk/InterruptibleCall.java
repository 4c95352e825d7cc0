package dev.axme.sdk;

import dev.axme.sdk.internal.CancelToken;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.spi.AbstractInterruptibleChannel;
import java.util.function.Supplier;

/**
 * A blocking call made interruptible: {@code Thread.interrupt()} on the calling thread cancels the
 * core's token, so the call ends at once and its connection closes, as an interrupt ends blocking
 * I/O on a channel. The thread sits in native code, where an interrupt would otherwise go unseen;
 * {@link AbstractInterruptibleChannel#begin()} is the JDK's public hook that runs
 * {@link #implCloseChannel()} on the interrupting thread.
 */
final class InterruptibleCall extends AbstractInterruptibleChannel {
    private final Runnable onInterrupt;

    private InterruptibleCall(Runnable onInterrupt) {
        this.onInterrupt = onInterrupt;
    }

    /**
     * {@code work}'s result, given a token that an interrupt cancels. A thread interrupted before or
     * during the call gets {@link InterruptedException}, with its interrupt status cleared as that
     * exception's contract says.
     */
    static <T> T run(Engine.Work<T> work) throws InterruptedException {
        try (CancelToken token = new CancelToken()) {
            return during(token::cancel, () -> work.run(token));
        }
    }

    /** {@code work}'s result; an interrupt while it blocks runs {@code onInterrupt} (see {@link #run}). */
    static <T> T during(Runnable onInterrupt, Supplier<T> work) throws InterruptedException {
        InterruptibleCall call = new InterruptibleCall(onInterrupt);
        boolean completed = false;
        try {
            call.begin();
            T result = work.get();
            completed = true;
            return result;
        } finally {
            try {
                call.end(completed);
            } catch (ClosedByInterruptException e) {
                Thread.interrupted();
                InterruptedException interrupted = new InterruptedException("the thread was interrupted: the call is cancelled");
                interrupted.initCause(e);
                throw interrupted;
            } catch (AsynchronousCloseException e) {
                // Only an interrupt closes this channel; nothing else to report.
            }
        }
    }

    /**
     * For the unchecked forms: the cancellation an interrupt caused, with the thread's interrupt
     * status set again (code that cannot throw {@link InterruptedException} keeps it for its caller).
     */
    static AxmeCanceledException canceled(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new AxmeCanceledException(
                new ErrorDetails("canceled", e.getMessage(), null, null, null, null, null, null, false));
    }

    @Override
    protected void implCloseChannel() {
        onInterrupt.run();
    }
}
