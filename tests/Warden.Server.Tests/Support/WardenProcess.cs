using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Warden.Server.Tests.Support;

/// <summary>
/// A real <c>warden serve</c> child process for the crash tests: started on a port of its own choosing with both pipes
/// drained into a <see cref="ServerOutput"/> (so it never blocks on a full pipe and a failing test can show what it
/// said), and stopped with SIGTERM as an operator would.
/// </summary>
internal static class WardenProcess
{
    /// <summary>Starts <c>warden serve --port 0 --data DIR</c> (plus <paramref name="extraArguments"/>) and waits for its banner.</summary>
    public static async Task<(Process Process, Uri Url)> ServeAsync(string dataDirectory, ServerOutput log, string name, params string[] extraArguments)
    {
        string warden = typeof(Warden.Server.Hosting.WardenApp).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { warden, "serve", "--port", "0", "--data", dataDirectory },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in extraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("WARDEN_MASTER_KEY");
        var process = Process.Start(start)!;
        log.Add("test", $"{name} server started (pid {process.Id})");
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => log.Add("test", $"{name} server exited");

        log.Pump(process.StandardError, name + " stderr");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Uri? url = null;
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            log.Add(name + " stdout", line);
            if (line.StartsWith("Warden is listening on", StringComparison.Ordinal))
            {
                url = new Uri(line["Warden is listening on".Length..].Trim());
            }

            if (line.StartsWith("Data folder:", StringComparison.Ordinal) && url is not null)
            {
                log.Pump(process.StandardOutput, name + " stdout");
                return (process, url);
            }
        }

        await log.DrainAsync();
        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException("warden serve exited before printing its banner:\n" + log.Text);
    }

    /// <summary>Sends SIGTERM and waits for a graceful exit; returns the exit code.</summary>
    public static async Task<int> StopAsync(Process process)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    /// <summary>
    /// A client handler for load under a kill: once <paramref name="killStarted"/> is true, a connection that completes
    /// is refused, because the killed server's port is then free for whatever the suite binds next and a connection made
    /// then could carry an answer that is not Warden's.
    /// </summary>
    public static SocketsHttpHandler HandlerRefusingConnectionsAfter(Func<bool> killStarted) => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                if (killStarted())
                {
                    throw new HttpRequestException("The kill had begun before this connection was made.");
                }

                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>The value after <paramref name="prefix"/> on the one line of CLI output that starts with it.</summary>
    public static string Line(string output, string prefix) =>
        output.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..].Trim();
}
