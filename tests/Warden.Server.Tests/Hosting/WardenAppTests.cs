using System.Net;
using System.Net.Sockets;
using Warden.Server.Hosting;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Hosting;

public sealed class WardenAppTests
{
    [Fact]
    public async Task Start_PortAlreadyInUse_FailsWithIOExceptionAndCanStartAgainOnTheSameFolder()
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

        // The failed start left nothing holding the data folder: a second start on a free port works and
        // (this folder's first start having happened) prints no keys again.
        await using var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        Assert.Null(server.App.FirstRun);
        Assert.NotEmpty(server.App.Models);
    }
}
