using System;
using System.Threading;
using static Axme.Sdk.Internal.FfiNatives;

namespace Axme.Sdk.Internal
{
    /// <summary>
    /// One owned reference to a uniffi object. Every call consumes a reference to its receiver,
    /// so <see cref="Lend"/> clones one per call; <see cref="Dispose"/> frees the owned one once
    /// (calls in flight keep their own, so the object lives until they return).
    /// </summary>
    internal abstract class Handle : IDisposable
    {
        private long raw;

        protected Handle(ulong raw)
        {
            this.raw = (long)raw;
        }

        ~Handle()
        {
            Release();
        }

        /// <summary>A reference for one call.</summary>
        internal ulong Lend()
        {
            long h = Interlocked.Read(ref raw);
            if (h == 0)
            {
                throw new ObjectDisposedException(GetType().Name);
            }
            var status = new RustCallStatus();
            ulong lent = Clone((ulong)h, ref status);
            Native.Check(ref status);
            return lent;
        }

        public void Dispose()
        {
            Release();
            GC.SuppressFinalize(this);
        }

        private void Release()
        {
            long h = Interlocked.Exchange(ref raw, 0);
            if (h != 0)
            {
                var status = new RustCallStatus();
                Free((ulong)h, ref status);
            }
        }

        protected abstract ulong Clone(ulong h, ref RustCallStatus status);

        protected abstract void Free(ulong h, ref RustCallStatus status);
    }

    internal sealed class ClientHandle : Handle
    {
        internal ClientHandle(ulong raw) : base(raw) { }
        protected override ulong Clone(ulong h, ref RustCallStatus s) { return uniffi_axme_ffi_fn_clone_client(h, ref s); }
        protected override void Free(ulong h, ref RustCallStatus s) { uniffi_axme_ffi_fn_free_client(h, ref s); }
    }

    internal sealed class StreamHandle : Handle
    {
        internal StreamHandle(ulong raw) : base(raw) { }
        protected override ulong Clone(ulong h, ref RustCallStatus s) { return uniffi_axme_ffi_fn_clone_stream(h, ref s); }
        protected override void Free(ulong h, ref RustCallStatus s) { uniffi_axme_ffi_fn_free_stream(h, ref s); }
    }

    internal sealed class HeartbeatHandle : Handle
    {
        internal HeartbeatHandle(ulong raw) : base(raw) { }
        protected override ulong Clone(ulong h, ref RustCallStatus s) { return uniffi_axme_ffi_fn_clone_heartbeat(h, ref s); }
        protected override void Free(ulong h, ref RustCallStatus s) { uniffi_axme_ffi_fn_free_heartbeat(h, ref s); }
    }

    /// <summary>
    /// The core's CancelToken tied to a .NET <see cref="CancellationToken"/>: cancelling the
    /// latter cancels the former at once, from whatever thread cancels, which ends the blocking
    /// call or stream and closes its connection.
    /// </summary>
    internal sealed class CancelLink : IDisposable
    {
        private readonly CancelTokenHandle token;
        private CancellationTokenRegistration registration;

        internal CancelLink(CancellationToken ct)
        {
            var status = new RustCallStatus();
            ulong raw = uniffi_axme_ffi_fn_constructor_canceltoken_new(ref status);
            Native.Check(ref status);
            token = new CancelTokenHandle(raw);
            if (ct.CanBeCanceled)
            {
                // Runs inline when ct is already cancelled: the call then fails as canceled at once.
                registration = ct.Register(Cancel);
            }
        }

        internal void Cancel()
        {
            var status = new RustCallStatus();
            uniffi_axme_ffi_fn_method_canceltoken_cancel(token.Lend(), ref status);
        }

        /// <summary>The <c>Option&lt;Arc&lt;CancelToken&gt;&gt;</c> argument: a tag and a lent reference.</summary>
        internal RustBuffer Lower()
        {
            ulong lent = token.Lend();
            return Native.Write(w =>
            {
                w.I8(1);
                w.U64(lent);
            });
        }

        public void Dispose()
        {
            // Waits for a Cancel running on another thread, so the token outlives it.
            registration.Dispose();
            token.Dispose();
        }
    }

    internal sealed class CancelTokenHandle : Handle
    {
        internal CancelTokenHandle(ulong raw) : base(raw) { }
        protected override ulong Clone(ulong h, ref RustCallStatus s) { return uniffi_axme_ffi_fn_clone_canceltoken(h, ref s); }
        protected override void Free(ulong h, ref RustCallStatus s) { uniffi_axme_ffi_fn_free_canceltoken(h, ref s); }
    }
}
