using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Warden.Server.Cli;
using Warden.Server.Hosting;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Hosting;

public sealed class WardenAppTests
{
    [Fact]
    public async Task Start_PortAlreadyInUse_FailsWithIOException_AndTheNextStartPrintsWorkingKeys()
    {
        using var folder = new TempDirectory();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        try
        {
            // Program turns an IOException into one line on stderr and exit code 1, never a stack trace.
            var options = new WardenOptions { DataDirectory = folder.Path, Port = port, ConsoleLogging = false };
            await Assert.ThrowsAsync<IOException>(() => WardenApp.StartAsync(options, CancellationToken.None));
        }
        finally
        {
            listener.Stop();
        }

        // The failed start left nothing holding the data folder and no key that nobody saw (issue 18): the next start
        // creates the first keys, prints them, and they work.
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            Assert.NotNull(server.App.FirstRun);
            var banner = new StringWriter();
            ServeCommand.PrintBanner(banner, server.App);
            string adminKey = BannerValue(banner.ToString(), "Admin key:");
            string demoKey = BannerValue(banner.ToString(), "Demo key:");
            Assert.NotEmpty(server.App.Models);

            using var answer = await server.Http.SendAsync(Requests.Chat(demoKey, Requests.Body("sim-small", "hello")));
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            using var admin = new HttpRequestMessage(HttpMethod.Get, "admin/keys");
            admin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            using var keys = await server.Http.SendAsync(admin);
            Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
            Assert.Single(server.App.Data.Keys.List(), k => k.Role == Keys.KeyRole.Admin);
        }

        // Shown once: the start after that creates and prints none.
        await using var again = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        Assert.Null(again.App.FirstRun);
        var quiet = new StringWriter();
        ServeCommand.PrintBanner(quiet, again.App);
        Assert.DoesNotContain("Admin key:", quiet.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, again.App.Data.Keys.List().Count);
    }

    [Fact]
    public async Task FirstStart_NoSimulator_CreatesNoDemoChannel_AndSaysHowToAddOne()
    {
        using var folder = new TempDirectory();
        await using (var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false }, folder.Path))
        {
            Assert.Null(server.App.Simulator);
            Assert.Empty(server.App.Data.Channels.List());
            Assert.Empty(server.App.Models);

            var banner = new StringWriter();
            ServeCommand.PrintBanner(banner, server.App);
            string text = banner.ToString();
            Assert.DoesNotContain("Try it", text, StringComparison.Ordinal);
            Assert.Contains("warden channels add", text, StringComparison.Ordinal);
            Assert.Contains("--credential-env", text, StringComparison.Ordinal);
            Assert.NotEmpty(BannerValue(text, "Admin key:"));

            // The demo key works, and a demo model is simply not there: a 404, not a 502 from a channel to nowhere.
            using var response = await server.Http.SendAsync(Requests.Chat(server.DemoKey, Requests.Body("sim-small", "hello")));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        // The folder was initialised without a demo channel; a later start with the simulator does not add one.
        await using var later = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        Assert.Empty(later.App.Data.Channels.List());
    }

    [Fact]
    public async Task NoSimulator_OnAFolderWithTheDemoChannel_DoesNotServeTheDemoModels()
    {
        using var folder = new TempDirectory();
        string demoKey;
        await using (var first = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            demoKey = first.DemoKey;
        }

        // Without its own simulator this server has nowhere to send the demo models: it does not list them.
        await using var server = await WardenTestServer.StartAsync(o => o with { EnableSimulator = false }, folder.Path);
        Assert.Single(server.App.Data.Channels.List(), c => c.ManagedSimulator);
        Assert.DoesNotContain("sim-small", server.App.Models);
        using var response = await server.Http.SendAsync(Requests.Chat(demoKey, Requests.Body("sim-small", "hello")));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static string BannerValue(string banner, string prefix) =>
        banner.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..].Trim();
}
