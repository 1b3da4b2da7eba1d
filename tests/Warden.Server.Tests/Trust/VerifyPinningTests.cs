using System.Text;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// <c>warden verify</c> keeps the last checkpoint it verified per log and requires later ones to extend it (issue 19):
/// a log truncated and rewritten with its checkpoints deleted is caught; tamperings are FAIL with exit 1, not usage
/// errors; a stored receipt must be the one of the request asked for.
/// </summary>
public sealed class VerifyPinningTests
{
    [Fact]
    public async Task PinnedVerify_CatchesALogTruncatedAndRewrittenWithItsCheckpointsDeleted()
    {
        using var folder = new TempDirectory();
        using var files = new TempDirectory();
        string stateFile = Path.Combine(files.Path, "state.json");
        string before = Path.Combine(files.Path, "before.json");
        string after = Path.Combine(files.Path, "after.json");
        string key;
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            key = server.DemoKey;
            string id = await WitnessTests.ChatAsync(server, key);
            await WitnessTests.ChatAsync(server, key);
            await server.FlushUsageAsync();
            await File.WriteAllBytesAsync(before, await WitnessTests.StoredReceiptAsync(server, key, id));
            var (exit, output) = await CliTests.RunAsync("verify", "--receipt", before, "--server", server.Url.ToString(), "--log", "--state", stateFile);
            Assert.True(exit == 0, output);
            Assert.Contains("PASS pinned_checkpoint", output, StringComparison.Ordinal);
            Assert.Contains("first checkpoint seen", output, StringComparison.Ordinal);
            Assert.True(File.Exists(stateFile));
        }

        // Its receipts truncated and rewritten (the configuration entries kept, so the tables still match the log); the
        // server starts on it (no checkpoint is left to contradict it).
        WitnessTests.RewriteFrom(folder.Path, WitnessTests.FirstReceiptIndex(folder.Path), count: 1);
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            string id = await WitnessTests.ChatAsync(server, key);
            await server.FlushUsageAsync();
            await File.WriteAllBytesAsync(after, await WitnessTests.StoredReceiptAsync(server, key, id));
            string url = server.Url.ToString();

            // Unpinned, the new history looks fine; pinned, it is a FAIL with exit 1.
            var (exit, output) = await CliTests.RunAsync("verify", "--receipt", after, "--server", url, "--log", "--no-pin");
            Assert.True(exit == 0, output);
            (exit, output) = await CliTests.RunAsync("verify", "--receipt", after, "--server", url, "--log", "--state", stateFile);
            Assert.Equal(1, exit);
            Assert.Contains("FAIL pinned_checkpoint", output, StringComparison.Ordinal);

            // The receipt from before is no longer in the log: a FAIL (exit 1), not "answered 404" as a usage error.
            (exit, output) = await CliTests.RunAsync("verify", "--receipt", before, "--server", url, "--log", "--no-pin");
            Assert.Equal(1, exit);
            Assert.Contains("FAIL log_inclusion", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task StoredReceiptOfAnotherRequest_Fails()
    {
        await using var server = await WardenTestServer.StartAsync();
        using var files = new TempDirectory();
        string first = await WitnessTests.ChatAsync(server, server.DemoKey);
        string second = await WitnessTests.ChatAsync(server, server.DemoKey);
        await server.FlushUsageAsync();
        string firstFile = Path.Combine(files.Path, "first.json");
        await File.WriteAllBytesAsync(firstFile, await WitnessTests.StoredReceiptAsync(server, server.DemoKey, first));
        string secondJson = Encoding.UTF8.GetString(await WitnessTests.StoredReceiptAsync(server, server.DemoKey, second));
        string url = server.Url.ToString();

        var (exit, output) = await CliTests.RunAsync("verify", "--receipt", firstFile, "--server", url, "--request-id", first);
        Assert.True(exit == 0, output);
        Assert.Contains("PASS request_id", output, StringComparison.Ordinal);

        // The answer for the first request holding the second request's receipt (a swapped row).
        string swapped = Path.Combine(files.Path, "swapped.json");
        using (var document = System.Text.Json.JsonDocument.Parse(secondJson))
        {
            string jws = document.RootElement.GetProperty("receipt").GetString()!;
            await File.WriteAllTextAsync(swapped, $"{{\"request_id\":\"{first}\",\"receipt\":\"{jws}\"}}");
        }

        (exit, output) = await CliTests.RunAsync("verify", "--receipt", swapped, "--server", url);
        Assert.Equal(1, exit);
        Assert.Contains("FAIL request_id", output, StringComparison.Ordinal);

        (exit, output) = await CliTests.RunAsync("verify", "--receipt", firstFile, "--server", url, "--request-id", second);
        Assert.Equal(1, exit);
        Assert.Contains("FAIL request_id", output, StringComparison.Ordinal);
    }
}
