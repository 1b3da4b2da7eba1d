using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Resilience;

/// <summary>The one test that measures a delay: alone in its collection, so the other tests' load does not time it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTiming
{
    public const string Name = "timing";
}

/// <summary>
/// A client disconnect cancels the upstream call at once: the simulator's own record of when it saw the cancellation,
/// against the moment Warden logged that it observed the disconnect.
/// </summary>
[Collection(SerialTiming.Name)]
public sealed class CancellationTimingTests
{
    [Fact]
    public async Task ClientDisconnect_CancelsTheUpstreamWithin100ms_OfWardenObservingIt()
    {
        await using var lab = await RoutingLab.StartAsync();
        lab.Add("paced", "pace-20");

        // A raw connection, closed with a reset after the first event: HttpClient would instead drain the rest of the
        // response for a while to reuse its connection, which is not a disconnect.
        string requestId;
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, lab.Server.Url.Port);
            var stream = tcp.GetStream();
            string body = Requests.Body("sim-small", "Tell me a long story about routers.", stream: true);
            string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + lab.Server.DemoKey
                + "\r\nContent-Type: application/json\r\nContent-Length: " + Encoding.UTF8.GetByteCount(body).ToString(CultureInfo.InvariantCulture) + "\r\n\r\n";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(head + body));
            var received = new StringBuilder();
            var buffer = new byte[4096];
            while (!received.ToString().Contains("data: ", StringComparison.Ordinal))
            {
                int read = await stream.ReadAsync(buffer);
                Assert.True(read > 0, "Warden closed the stream before its first event");
                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }

            string text = received.ToString();
            Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
            int at = text.IndexOf("x-request-id: ", StringComparison.OrdinalIgnoreCase) + "x-request-id: ".Length;
            requestId = text[at..text.IndexOf('\r', at)];
            tcp.Client.LingerState = new LingerOption(true, 0);
        }

        // The simulator records when it saw the cancellation;
        // its stream is paced at 20 ms, so even a cancellation it only notices at its next write is timed within 20 ms.
        var entry = Assert.Single(await lab.WaitForAsync("pace-20"));
        Assert.Equal(Warden.Server.Simulator.SimulatorOutcome.ClientCancelled, entry.Outcome);
        Assert.NotNull(entry.CancelledAt);
        (DateTimeOffset observed, _) = await FallbackTests.WaitForLogAsync(lab.Server.Logs, $"Client of request {requestId} disconnected");
        var delay = entry.CancelledAt!.Value - observed;
        Assert.True(delay < TimeSpan.FromMilliseconds(100), $"the upstream saw the cancellation {delay.TotalMilliseconds} ms after Warden observed the disconnect");
        Assert.Equal("client_cancelled", (await lab.Server.UsageForAsync(requestId)).Outcome);
    }
}
