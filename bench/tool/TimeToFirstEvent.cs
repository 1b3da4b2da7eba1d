using System.Diagnostics;
using System.Globalization;

namespace Warden.Bench;

/// <summary>
/// Measures time to first streamed event on a kept-alive connection per target (as SDKs keep theirs): the time from
/// writing the request to the arrival of the first "data:" field. The rest of the stream is then read to its end
/// (not timed) so the connection can serve the next sample. Targets are interleaved sample by sample
/// (A B C A B C ...) so drifting machine load hits each alike.
/// </summary>
internal static class TimeToFirstEvent
{
    /// <summary>Pause before each sample, so the work the previous target does after its stream ended is over.</summary>
    private const int SettleMilliseconds = 5;

    public static async Task<int> RunAsync(IReadOnlyList<RawRequest> targets, int samples, TextWriter output, CancellationToken cancellationToken)
    {
        var results = targets.ToDictionary(t => t.Name, _ => new List<double>());
        var failures = targets.ToDictionary(t => t.Name, _ => 0);
        var buffer = new byte[256 * 1024];
        var sockets = new Dictionary<string, System.Net.Sockets.Socket>();

        // One untimed round first so every path is warm (JIT, pooled upstream connections). Each sample starts with
        // the next target in turn, and waits a few milliseconds first: a relay finishes a stream's work (metering,
        // signing) after the stream ends, and measured side by side a Warden that always came right after another was
        // 100-200 µs slower than when it came first, so a fixed order without a pause would bias the comparison.
        for (int sample = -1; sample < samples; sample++)
        {
            for (int turn = 0; turn < targets.Count; turn++)
            {
                var target = targets[(Math.Max(sample, 0) + turn) % targets.Count];
                await Task.Delay(SettleMilliseconds, cancellationToken);
                if (!sockets.TryGetValue(target.Name, out var socket))
                {
                    sockets[target.Name] = socket = await target.ConnectAsync(cancellationToken);
                }

                var reader = new FirstEventReader(socket, buffer);
                long start = Stopwatch.GetTimestamp();
                await socket.SendAsync(target.Bytes, System.Net.Sockets.SocketFlags.None, cancellationToken);
                bool ok = await reader.ReadFirstEventAsync(cancellationToken);
                double micros = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                if (!ok || !await reader.ReadToEndAsync(cancellationToken))
                {
                    // Closed or failed: the next sample starts on a new connection.
                    socket.Dispose();
                    sockets.Remove(target.Name);
                }

                if (sample < 0)
                {
                    continue;
                }

                if (ok)
                {
                    results[target.Name].Add(micros);
                }
                else
                {
                    failures[target.Name]++;
                }
            }
        }

        foreach (var socket in sockets.Values)
        {
            socket.Dispose();
        }

        foreach (var target in targets)
        {
            var list = results[target.Name];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ttfe\t{target.Name}\t{list.Count}\t{failures[target.Name]}\t{Percentiles.Of(list, 50):F0}\t{Percentiles.Of(list, 90):F0}\t{Percentiles.Of(list, 99):F0}"));
        }

        return failures.Values.Sum() == 0 ? 0 : 1;
    }
}
