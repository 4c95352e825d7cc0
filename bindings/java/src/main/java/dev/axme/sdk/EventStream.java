package dev.axme.sdk;

import dev.axme.sdk.internal.Ffi;
import dev.axme.sdk.internal.FfiException;
import dev.axme.sdk.internal.Json;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Events (of {@code observeStream}) or deliveries (of {@code listen}) as they arrive: usable in a
 * for-each loop (once) or as a {@link Stream}. The core resumes across dropped connections, fills
 * gaps and ends an intent's stream after its terminal event. {@link #close} from any thread ends
 * it (a blocked {@code next()} returns at once) and closes the connection.
 */
public final class EventStream implements Iterable<Map<String, Object>>, Iterator<Map<String, Object>>,
        AutoCloseable {
    private long handle;
    private Map<String, Object> pending;
    private boolean ended;

    EventStream(long handle) {
        this.handle = handle;
    }

    /** A reference of the call's own, so a concurrent close cannot free it mid-call; 0 once closed. */
    private synchronized long reference() {
        return handle == 0 ? 0 : Ffi.stream(handle);
    }

    @Override
    public Iterator<Map<String, Object>> iterator() {
        return this;
    }

    /**
     * Blocks for the next item; false at the end. Failures are unchecked {@link AxmeFailure}s; an
     * interrupt of the reading thread closes the stream ({@link AxmeCanceledException}, the
     * thread's interrupt status kept set).
     */
    @Override
    public boolean hasNext() {
        if (pending != null) {
            return true;
        }
        if (ended) {
            return false;
        }
        long h = reference();
        if (h == 0) {
            ended = true;
            return false;
        }
        String json;
        try {
            // An interrupt of the reading thread closes the stream, as it would a channel.
            json = InterruptibleCall.during(this::close, () -> Ffi.streamNext(h));
        } catch (FfiException e) {
            ended = true;
            throw Engine.toUnchecked(e);
        } catch (InterruptedException e) {
            ended = true;
            throw InterruptibleCall.canceled(e);
        }
        if (json == null) {
            ended = true;
            return false;
        }
        pending = Json.object(json);
        return true;
    }

    @Override
    public Map<String, Object> next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the stream ended");
        }
        Map<String, Object> item = pending;
        pending = null;
        return item;
    }

    /** The items as a sequential {@link Stream}; closing it closes this. */
    public Stream<Map<String, Object>> stream() {
        Spliterator<Map<String, Object>> items = Spliterators.spliteratorUnknownSize(this,
                Spliterator.ORDERED | Spliterator.NONNULL);
        return StreamSupport.stream(items, false).onClose(this::close);
    }

    /** Ends the stream and its connection; safe from any thread, more than once. */
    @Override
    public void close() {
        long h;
        synchronized (this) {
            h = handle;
            handle = 0;
        }
        if (h != 0) {
            Ffi.streamClose(h);
            Ffi.streamFree(h);
        }
    }
}
