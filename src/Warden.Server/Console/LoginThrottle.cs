using System.Collections.Concurrent;

namespace Warden.Server.Console;

/// <summary>
/// Limits failed sign-ins: <see cref="MaxFailuresPerAddress"/> per client address and <see cref="MaxFailuresOverall"/>
/// across all addresses in a fixed window. An admin key has 256 bits, so this is not what stops guessing; it keeps a
/// scripted attacker from turning the sign-in form into a load generator and makes the attempts visible as 429s.
/// </summary>
internal sealed class LoginThrottle(TimeProvider time)
{
    public const int MaxFailuresPerAddress = 5;
    public const int MaxFailuresOverall = 100;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private const string Overall = "*";

    private readonly ConcurrentDictionary<string, Counter> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the address must wait before its next attempt is looked at, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string address)
    {
        var now = time.GetUtcNow();
        TimeSpan? wait = null;
        foreach (var (name, limit) in (ReadOnlySpan<(string, int)>)[(address, MaxFailuresPerAddress), (Overall, MaxFailuresOverall)])
        {
            if (_failures.TryGetValue(name, out var counter))
            {
                lock (counter)
                {
                    if (now - counter.WindowStart >= Window)
                    {
                        continue;
                    }

                    if (counter.Failures >= limit)
                    {
                        var left = counter.WindowStart + Window - now;
                        wait = wait is { } w && w > left ? w : left;
                    }
                }
            }
        }

        return wait;
    }

    public void Failed(string address)
    {
        var now = time.GetUtcNow();
        foreach (string name in (ReadOnlySpan<string>)[address, Overall])
        {
            var counter = _failures.GetOrAdd(name, _ => new Counter { WindowStart = now });
            lock (counter)
            {
                if (now - counter.WindowStart >= Window)
                {
                    counter.WindowStart = now;
                    counter.Failures = 0;
                }

                counter.Failures++;
            }
        }
    }

    /// <summary>A successful sign-in clears its address's count (not the overall one).</summary>
    public void Succeeded(string address) => _failures.TryRemove(address, out _);

    private sealed class Counter
    {
        public DateTimeOffset WindowStart { get; set; }

        public int Failures { get; set; }
    }
}
