using System;
using System.Collections.Generic;
using System.Json;
using System.Threading;
using System.Threading.Tasks;
using Axme.Sdk.Internal;
using static Axme.Sdk.Internal.FfiNatives;

namespace Axme.Sdk
{
    /// <summary>
    /// A stream of the core (observe or listen) as an async sequence: each item is read by the
    /// core's blocking <c>next()</c> on a thread of its own, the server connection is opened on
    /// the first read, and disposing (or breaking out of <c>await foreach</c>) closes it at once.
    /// The stream's CancellationToken, and the one given to <see cref="GetAsyncEnumerator"/>,
    /// cancel the core's token: a pending read then throws <see cref="AxmeCanceledException"/>.
    /// </summary>
    public sealed class AxmeStream : IAsyncEnumerable<JsonObject>, IAsyncEnumerator<JsonObject>, IDisposable
    {
        private readonly Func<CancelLink, ulong> open;
        private readonly CancelLink link;
        private readonly object gate = new object();
        private CancellationTokenRegistration enumeratorRegistration;
        private StreamHandle handle;
        private bool disposed;

        internal AxmeStream(CancellationToken ct, Func<CancelLink, ulong> open)
        {
            this.open = open;
            link = new CancelLink(ct);
        }

        /// <summary>The item the last successful <see cref="MoveNextAsync"/> read.</summary>
        public JsonObject Current { get; private set; }

        /// <summary>This stream itself: it can be enumerated once.</summary>
        public IAsyncEnumerator<JsonObject> GetAsyncEnumerator(CancellationToken cancellationToken = default(CancellationToken))
        {
            if (cancellationToken.CanBeCanceled)
            {
                enumeratorRegistration = cancellationToken.Register(link.Cancel);
            }
            return this;
        }

        /// <summary>Reads the next item; false once the stream ended (after a terminal event, or when disposed).</summary>
        public ValueTask<bool> MoveNextAsync()
        {
            return new ValueTask<bool>(CallThreads.Run<bool>(Next));
        }

        private bool Next()
        {
            StreamHandle h = Opened();
            if (h == null)
            {
                return false;
            }
            var status = new RustCallStatus();
            RustBuffer buffer;
            try
            {
                buffer = uniffi_axme_ffi_fn_method_stream_next(h.Lend(), ref status);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
            Native.Check(ref status);
            var r = new FfiReader(Native.Take(buffer));
            if (r.I8() == 0)
            {
                Current = null;
                return false;
            }
            Current = Json.Object(r.String());
            return true;
        }

        private StreamHandle Opened()
        {
            lock (gate)
            {
                if (disposed)
                {
                    return null;
                }
                if (handle == null)
                {
                    handle = new StreamHandle(open(link));
                }
                return handle;
            }
        }

        /// <summary>Closes the stream in the core (a pending read ends) and releases it.</summary>
        public void Dispose()
        {
            StreamHandle h;
            lock (gate)
            {
                if (disposed)
                {
                    return;
                }
                disposed = true;
                h = handle;
            }
            enumeratorRegistration.Dispose();
            if (h != null)
            {
                try
                {
                    var status = new RustCallStatus();
                    uniffi_axme_ffi_fn_method_stream_close(h.Lend(), ref status);
                }
                catch (ObjectDisposedException)
                {
                }
                h.Dispose();
            }
            link.Dispose();
        }

        /// <summary>As <see cref="Dispose"/>.</summary>
        public ValueTask DisposeAsync()
        {
            Dispose();
            return default(ValueTask);
        }

        /// <summary>Every remaining item, until the stream ends.</summary>
        public async Task<List<JsonObject>> ToListAsync()
        {
            var items = new List<JsonObject>();
            while (await MoveNextAsync().ConfigureAwait(false))
            {
                items.Add(Current);
            }
            return items;
        }
    }
}
