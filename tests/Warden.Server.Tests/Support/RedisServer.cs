using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Warden.Server.Tests.Support;

/// <summary>
/// A real redis-server from Debian's package on 127.0.0.1, on a free port, persisting nothing, in a temporary folder;
/// killed at dispose. <see cref="Kill"/> and <see cref="RestartAsync"/> stop it abruptly and bring a new, empty one up on
/// the same port, as a crashed and replaced Redis would. A missing redis-server fails the test under CI=true and skips
/// it elsewhere (<see cref="RedisFactAttribute"/>).
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];
    private readonly TempDirectory _folder = new();
    private Process? _process;

    private RedisServer(int port) => Port = port;

    /// <summary>The installed redis-server, or null.</summary>
    public static string? Executable { get; } = Candidates.FirstOrDefault(File.Exists);

    public int Port { get; }

    /// <summary>HOST:PORT, as <c>warden serve --redis</c> takes it.</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public static async Task<RedisServer> StartAsync()
    {
        if (Executable is null)
        {
            throw new InvalidOperationException("The Redis tests need Debian's redis-server: apt-get install redis-server (.ci/run does).");
        }

        var server = new RedisServer(FreePort());
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts a fresh, empty redis-server on <see cref="Port"/> and waits (bounded) until it answers PING.</summary>
    public async Task RestartAsync()
    {
        var start = new ProcessStartInfo(Executable!)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in (string[])[
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", _folder.Path, "--daemonize", "no", "--protected-mode", "yes", "--logfile", Path.Combine(_folder.Path, "redis.log")])
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (!await AnswersPingAsync())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(20) || _process.HasExited)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING (exited: {_process.HasExited}).");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Kills the server at once (SIGKILL): its state is gone, as in a crash.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            int read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
