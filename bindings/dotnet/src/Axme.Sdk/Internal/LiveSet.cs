using System;
using System.Collections.Generic;

namespace Axme.Sdk.Internal
{
    /// <summary>Weakly held objects that get <c>onExit</c> when the process exits (those not collected or removed by then).</summary>
    internal sealed class LiveSet<T> where T : class
    {
        private readonly object gate = new object();
        private readonly List<WeakReference<T>> items = new List<WeakReference<T>>();

        internal LiveSet(Action<T> onExit)
        {
            AppDomain.CurrentDomain.ProcessExit += (sender, e) =>
            {
                foreach (var item in Snapshot())
                {
                    onExit(item);
                }
            };
        }

        internal void Add(T item)
        {
            lock (gate)
            {
                items.RemoveAll(w => !w.TryGetTarget(out _));
                items.Add(new WeakReference<T>(item));
            }
        }

        internal void Remove(T item)
        {
            lock (gate)
            {
                items.RemoveAll(w => !w.TryGetTarget(out var t) || ReferenceEquals(t, item));
            }
        }

        private List<T> Snapshot()
        {
            var live = new List<T>();
            lock (gate)
            {
                foreach (var w in items)
                {
                    if (w.TryGetTarget(out var t))
                    {
                        live.Add(t);
                    }
                }
            }
            return live;
        }
    }
}
