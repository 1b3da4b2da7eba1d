using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Warden.Server.Tests.Support;

/// <summary>
/// What <c>warden serve</c> child processes print on stdout and stderr, kept in order with the time each line arrived,
/// so a process test that fails can show what the servers said (a settlement failure, a crash) instead of discarding
/// it. Anything shaped like a Warden key is masked on the way in: the first start's banner prints the new admin and
/// demo keys, and test output must never hold a key.
/// </summary>
internal sealed partial class ServerOutput
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentBag<Task> _pumps = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Milliseconds since this capture began: the time base of every line (and of the test's own notes).</summary>
    public long ElapsedMs => _clock.ElapsedMilliseconds;

    public void Add(string source, string line) => _lines.Enqueue($"{ElapsedMs,7} ms {source}: {Mask(line)}");

    /// <summary>Copies the rest of <paramref name="reader"/> here line by line until the process closes it.</summary>
    public void Pump(StreamReader reader, string source) => _pumps.Add(Task.Run(async () =>
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            Add(source, line);
        }
    }));

    /// <summary>Waits (boundedly) for the pumps of exited processes to reach the end of their output.</summary>
    public async Task DrainAsync()
    {
        try
        {
            await Task.WhenAll(_pumps).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            Add("test", "(output capture stopped: " + ex.GetType().Name + ")");
        }
    }

    public IEnumerable<string> Mentioning(string text) => _lines.Where(l => l.Contains(text, StringComparison.Ordinal));

    public string Text => string.Join('\n', _lines);

    private static string Mask(string line) => KeyPattern().Replace(line, "wdn_(masked)");

    [GeneratedRegex("wdn_[A-Za-z0-9_-]+")]
    private static partial Regex KeyPattern();
}
