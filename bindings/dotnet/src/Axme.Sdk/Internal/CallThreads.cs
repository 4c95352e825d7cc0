using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Axme.Sdk.Internal
{
    /// <summary>
    /// The threads the core's blocking calls run on. The .NET thread pool is the wrong home for
    /// them: a call blocks its thread for as long as the server takes, and Mono's pool adds a
    /// thread only every half second or so, so ten concurrent calls would start seconds apart.
    /// Here a call takes an idle thread or starts one at once; a thread keeps the core's
    /// per-thread connections warm between calls and ends after a minute without work. Results
    /// complete their tasks asynchronously, so a caller's continuation never runs on (and blocks)
    /// one of these threads.
    /// </summary>
    internal static class CallThreads
    {
        private static readonly TimeSpan IdleLimit = TimeSpan.FromMinutes(1);
        private static readonly object Gate = new object();
        private static readonly List<Worker> Idle = new List<Worker>();

        internal static Task<T> Run<T>(Func<T> work)
        {
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            Action job = () =>
            {
                try
                {
                    done.SetResult(work());
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            };
            Worker worker = null;
            lock (Gate)
            {
                if (Idle.Count > 0)
                {
                    worker = Idle[Idle.Count - 1];
                    Idle.RemoveAt(Idle.Count - 1);
                }
            }
            (worker ?? new Worker()).Post(job);
            return done.Task;
        }

        private sealed class Worker
        {
            private readonly object slot = new object();
            private Action job;

            internal Worker()
            {
                new Thread(Loop) { IsBackground = true, Name = "axme-call" }.Start();
            }

            internal void Post(Action next)
            {
                lock (slot)
                {
                    job = next;
                    Monitor.Pulse(slot);
                }
            }

            private void Loop()
            {
                while (true)
                {
                    Action next;
                    lock (slot)
                    {
                        while (job == null)
                        {
                            if (!Monitor.Wait(slot, IdleLimit) && Retire())
                            {
                                return;
                            }
                        }
                        next = job;
                        job = null;
                    }
                    next();
                    lock (Gate)
                    {
                        Idle.Add(this);
                    }
                }
            }

            /// <summary>Leaves the idle list, unless a caller took this thread meanwhile (then a job is coming).</summary>
            private bool Retire()
            {
                lock (Gate)
                {
                    return Idle.Remove(this);
                }
            }
        }
    }
}
