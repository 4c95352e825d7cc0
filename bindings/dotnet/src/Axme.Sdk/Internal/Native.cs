using System;
using System.Runtime.InteropServices;
using System.Text;
using static Axme.Sdk.Internal.FfiNatives;

namespace Axme.Sdk.Internal
{
    /// <summary>
    /// Buffers and statuses of the uniffi C ABI: what goes into Rust is copied into a buffer
    /// Rust owns, what comes back is copied out and freed at once, and a failed call becomes
    /// the exception the generated kind table picks.
    /// </summary>
    internal static class Native
    {
        private static readonly object CheckLock = new object();
        private static bool checkedOnce;

        /// <summary>Fails early, with the function's name, when the library is not the one the declarations describe.</summary>
        internal static void EnsureLoaded()
        {
            lock (CheckLock)
            {
                if (checkedOnce)
                {
                    return;
                }
                string mismatch;
                try
                {
                    mismatch = FfiNatives.ChecksumMismatch();
                }
                catch (DllNotFoundException e)
                {
                    throw new DllNotFoundException(
                        "libaxme_ffi.so was not found: put it beside Axme.Sdk.dll or on LD_LIBRARY_PATH (" + e.Message + ")", e);
                }
                if (mismatch != null)
                {
                    throw new InvalidOperationException("libaxme_ffi.so does not match Axme.Sdk.dll: " + mismatch + " differs");
                }
                checkedOnce = true;
            }
        }

        /// <summary>A Rust-owned buffer holding <paramref name="bytes"/>.</summary>
        internal static RustBuffer Buffer(byte[] bytes)
        {
            var status = new RustCallStatus();
            RustBuffer buffer;
            // Pinned only while Rust copies the bytes into a buffer of its own.
            var pin = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            try
            {
                var foreign = new ForeignBytes { Len = bytes.Length, Data = pin.AddrOfPinnedObject() };
                buffer = ffi_axme_ffi_rustbuffer_from_bytes(foreign, ref status);
            }
            finally
            {
                pin.Free();
            }
            Check(ref status);
            return buffer;
        }

        /// <summary>A top-level string argument: its UTF-8 bytes, no length prefix.</summary>
        internal static RustBuffer Str(string s)
        {
            return Buffer(Encoding.UTF8.GetBytes(s));
        }

        /// <summary>A buffer written by <paramref name="write"/> in uniffi's format.</summary>
        internal static RustBuffer Write(Action<FfiWriter> write)
        {
            var w = new FfiWriter();
            write(w);
            return Buffer(w.ToArray());
        }

        /// <summary>The bytes of a buffer Rust returned; the buffer is freed.</summary>
        internal static byte[] Take(RustBuffer buffer)
        {
            var bytes = new byte[(int)buffer.Len];
            if (buffer.Len > 0)
            {
                Marshal.Copy(buffer.Data, bytes, 0, bytes.Length);
            }
            var status = new RustCallStatus();
            ffi_axme_ffi_rustbuffer_free(buffer, ref status);
            return bytes;
        }

        /// <summary>A top-level string result.</summary>
        internal static string TakeStr(RustBuffer buffer)
        {
            return Encoding.UTF8.GetString(Take(buffer));
        }

        /// <summary>Throws what a non-zero status carries: the error record's class, or an internal error for a panic.</summary>
        internal static void Check(ref RustCallStatus status)
        {
            if (status.Code == 0)
            {
                return;
            }
            byte[] error = Take(status.ErrorBuf);
            if (status.Code == 1)
            {
                throw ErrorClasses.Create(FfiWaist.ReadAxmeError(error));
            }
            var record = new ErrorRecord
            {
                Kind = ErrorKind.Internal,
                Message = "axme-ffi: " + Encoding.UTF8.GetString(error),
            };
            throw new AxmeInternalException(record);
        }
    }
}
