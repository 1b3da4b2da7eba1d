using System.Net;
using Warden.Server.Keys;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Hosting;

/// <summary>
/// Several servers on one data folder (issue 18): the Warden-managed demo channel goes to each server's own in-process
/// simulator, so a second server starting, reloading or stopping does not take the first one's demo models away.
/// </summary>
public sealed class SharedDataFolderTests
{
    [Fact]
    public async Task SecondServer_OnTheSameFolder_LeavesTheFirstServersDemoModelsAnswering()
    {
        using var folder = new TempDirectory();
        await using var first = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        string demoKey = first.DemoKey;
        var firstSimulator = first.App.Simulator!;

        await using (var second = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            Assert.Null(second.App.FirstRun);
            var secondSimulator = second.App.Simulator!;
            Assert.NotEqual(firstSimulator.BaseUrl, secondSimulator.BaseUrl);

            // Both answer once each has read whatever the other's start wrote, and after a later configuration change.
            first.Reload();
            await AssertAnswersOnItsOwnSimulatorAsync(first, demoKey);
            await AssertAnswersOnItsOwnSimulatorAsync(second, demoKey);
            first.App.Data.KeyIssuer.Issue("config-change", KeyRole.Client, null, null);
            first.Reload();
            second.Reload();
            await AssertAnswersOnItsOwnSimulatorAsync(first, demoKey);
            await AssertAnswersOnItsOwnSimulatorAsync(second, demoKey);
        }

        // The second server and its simulator are gone; the first still serves the demo models, after a reload too.
        first.Reload();
        await AssertAnswersOnItsOwnSimulatorAsync(first, demoKey);

        // And a server started afterwards on the folder does as well.
        await using var third = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        first.Reload();
        await AssertAnswersOnItsOwnSimulatorAsync(first, demoKey);
        await AssertAnswersOnItsOwnSimulatorAsync(third, demoKey);
    }

    private static async Task AssertAnswersOnItsOwnSimulatorAsync(WardenTestServer server, string demoKey)
    {
        int before = server.App.Simulator!.Journal.Snapshot().Count;
        using var response = await server.Http.SendAsync(Requests.Chat(demoKey, Requests.Body("sim-small", "hello")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(before + 1, server.App.Simulator.Journal.Snapshot().Count);
    }
}
