package dev.axme.sdk.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;

/**
 * The argument and result slots of one ffi-buffer call, in native memory owned by the calling
 * thread (JNA's fast path: no {@code Structure} per call). A {@code RustBuffer} takes three
 * 8-byte slots (capacity, length, data), a handle or a scalar one, the status four (code, then
 * its error buffer).
 */
final class Slots {
    private static final int ARG_SLOTS = 32;
    private static final int RET_SLOTS = 8;

    private static final ThreadLocal<Slots> PER_THREAD = ThreadLocal.withInitial(Slots::new);

    final Memory args = new Memory(8L * ARG_SLOTS);
    final Memory returns = new Memory(8L * RET_SLOTS);
    /** The status of the scalar functions (clone, free). */
    final Memory status = new Memory(32);
    private int next;

    /** This thread's slots, emptied for a new call. */
    static Slots begin() {
        Slots s = PER_THREAD.get();
        s.next = 0;
        s.returns.clear();
        return s;
    }

    /** This thread's slots as they are (for the scalar clone and free calls, between appends). */
    static Slots current() {
        return PER_THREAD.get();
    }

    /** Appends a handle or a scalar. */
    Slots handle(long value) {
        args.setLong(8L * next++, value);
        return this;
    }

    /** Appends a buffer holding {@code bytes}; the call takes it over. */
    Slots buffer(byte[] bytes) {
        Pointer at = args.share(8L * next);
        FfiNatives.axme_ffi_rustbuffer_alloc_into(bytes.length, at);
        if (bytes.length > 0) {
            at.getPointer(16).write(0, bytes, 0, bytes.length);
        }
        next += 3;
        return this;
    }

    /** Appends a top-level string (raw UTF-8, no length prefix). */
    Slots string(String value) {
        return buffer(value.getBytes(StandardCharsets.UTF_8));
    }

    /** The status code after the call, whose result takes {@code resultSlots}. */
    byte code(int resultSlots) {
        return returns.getByte(8L * resultSlots);
    }

    /** Copies and frees the buffer returned at {@code slot} of the results. */
    byte[] takeBuffer(int slot) {
        Pointer at = returns.share(8L * slot);
        long len = at.getLong(8);
        byte[] out = len == 0 ? new byte[0] : at.getPointer(16).getByteArray(0, (int) len);
        FfiNatives.axme_ffi_rustbuffer_free_at(at);
        return out;
    }
}
