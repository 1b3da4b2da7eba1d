using System.Globalization;
using System.Net.Sockets;

namespace Warden.Bench;

/// <summary>
/// Opens many long streams at once, waits until each has delivered its first event, then samples the resident
/// memory (VmRSS) of the given processes while every stream is still open, and closes them all. Bounded by a
/// deadline for opening and a fixed hold time.
/// </summary>
internal static class OpenStreams
{
    public static async Task<int> RunAsync(RawRequest target, int count, TimeSpan openDeadline, TimeSpan hold, IReadOnlyList<int> pids, TextWriter output, CancellationToken cancellationToken)
    {
        long before = ResidentKilobytes(pids);
        var sockets = new Socket?[count];
        using var opening = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        opening.CancelAfter(openDeadline);
        int opened = 0;
        int failed = 0;

        // At most 100 connection attempts in flight, so the listen backlogs are never overrun.
        using var gate = new SemaphoreSlim(100);
        var tasks = Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(opening.Token);
            Socket? socket = null;
            try
            {
                socket = await target.ConnectAsync(opening.Token);
                await socket.SendAsync(target.Bytes, SocketFlags.None, opening.Token);
                if (await new FirstEventReader(socket, new byte[16 * 1024]).ReadFirstEventAsync(opening.Token))
                {
                    sockets[i] = socket;
                    Interlocked.Increment(ref opened);
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
            }
            finally
            {
                gate.Release();
            }

            socket?.Dispose();
            Interlocked.Increment(ref failed);
        }).ToList();

        try
        {
            await Task.WhenAll(tasks);
        }
        catch (OperationCanceledException)
        {
            // Attempts still queued at the deadline count as failed below.
        }

        long peak = 0;
        var holdUntil = DateTimeOffsetClock.Now() + hold;
        while (DateTimeOffsetClock.Now() < holdUntil)
        {
            peak = Math.Max(peak, ResidentKilobytes(pids));
            await Task.Delay(200, cancellationToken);
        }

        foreach (var socket in sockets)
        {
            socket?.Dispose();
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"streams\t{count}\t{opened}\t{count - opened}\t{before}\t{peak}"));
        return opened == count ? 0 : 1;
    }

    /// <summary>Sum of VmRSS over the processes, in kB (0 for a process that is gone).</summary>
    public static long ResidentKilobytes(IReadOnlyList<int> pids)
    {
        long total = 0;
        foreach (int pid in pids)
        {
            string path = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status";
            if (!File.Exists(path))
            {
                continue;
            }

            foreach (string line in File.ReadLines(path))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    total += long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }

        return total;
    }
}
