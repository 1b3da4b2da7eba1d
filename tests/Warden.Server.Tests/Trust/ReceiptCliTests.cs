using System.Net;
using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;
using OpenAI.Chat;
using Warden.Server.Tests.Cli;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// <c>warden verify</c> on an honest run and on tampered bytes, key rotation with <c>warden receipts rotate-key</c>,
/// and the official SDKs reading streams that end with the receipt comment.
/// </summary>
public sealed class ReceiptCliTests
{
    [Fact]
    public async Task Verify_PassesAnHonestRun_AndFailsWhenAByteOfTheResponseOrReceiptChanges()
    {
        await using var server = await WardenTestServer.StartAsync();
        using var folder = new TempDirectory();
        var (request, requestBody) = ReceiptWire.Build("chat", server.DemoKey, stream: true);
        using var response = await server.Http.SendAsync(request);
        byte[] received = await response.Content.ReadAsByteArrayAsync();
        var (_, jws) = ReceiptWire.SplitTrailer(received);

        string receiptFile = Path.Combine(folder.Path, "receipt.jws");
        string requestFile = Path.Combine(folder.Path, "request.json");
        string responseFile = Path.Combine(folder.Path, "response.sse");
        string jwksFile = Path.Combine(folder.Path, "jwks.json");
        await File.WriteAllTextAsync(receiptFile, jws);
        await File.WriteAllBytesAsync(requestFile, requestBody);
        await File.WriteAllBytesAsync(responseFile, received); // the whole stream, receipt comment included
        await File.WriteAllBytesAsync(jwksFile, await server.Http.GetByteArrayAsync(".well-known/warden/jwks.json"));

        var (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--jwks", jwksFile, "--request", requestFile, "--response", responseFile);
        Assert.Equal(0, exit);
        Assert.Contains("PASS signature", output, StringComparison.Ordinal);
        Assert.Contains("PASS response_hash", output, StringComparison.Ordinal);
        Assert.Contains("PASS request_hash", output, StringComparison.Ordinal);
        Assert.Contains("receipt comment", output, StringComparison.Ordinal);

        // The keys fetched from the server, and the receipt as GET /v1/receipts/{id} returns it.
        string id = Assert.Single(response.Headers.GetValues("x-request-id"));
        using var get = new HttpRequestMessage(HttpMethod.Get, "v1/receipts/" + id);
        get.Headers.Authorization = new("Bearer", server.DemoKey);
        string storedFile = Path.Combine(folder.Path, "stored.json");
        await File.WriteAllBytesAsync(storedFile, await (await server.Http.SendAsync(get)).Content.ReadAsByteArrayAsync());
        (exit, output) = await CliTests.RunAsync("verify", "--receipt", storedFile, "--server", server.Url.ToString(), "--response", responseFile);
        Assert.Equal(0, exit);
        Assert.Contains("PASS response_hash", output, StringComparison.Ordinal);

        // One flipped byte in the saved response (inside the first event, before the receipt comment).
        byte[] tampered = (byte[])received.Clone();
        tampered[10] ^= 0x01;
        string tamperedFile = Path.Combine(folder.Path, "tampered.sse");
        await File.WriteAllBytesAsync(tamperedFile, tampered);
        (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--jwks", jwksFile, "--request", requestFile, "--response", tamperedFile);
        Assert.Equal(1, exit);
        Assert.Contains("FAIL response_hash", output, StringComparison.Ordinal);
        Assert.Contains("PASS signature", output, StringComparison.Ordinal);

        // One changed character of the receipt's claims (a version 2 receipt's second '~' part).
        string[] parts = jws.Split('~');
        char[] payload = parts[1].ToCharArray();
        payload[5] = payload[5] == 'A' ? 'B' : 'A';
        await File.WriteAllTextAsync(receiptFile, string.Join('~', parts[0], new string(payload), parts[2], parts[3]));
        (exit, output) = await CliTests.RunAsync("verify", "--receipt", receiptFile, "--jwks", jwksFile, "--response", responseFile);
        Assert.Equal(1, exit);
        Assert.Contains("FAIL", output, StringComparison.Ordinal);

        // Wrong usage is exit 2.
        (exit, _) = await CliTests.RunAsync("verify", "--receipt", receiptFile);
        Assert.Equal(2, exit);
    }

    [Fact]
    public async Task RotateKey_NewReceiptsUseTheNewKey_AndReceiptsFromBeforeStillVerify()
    {
        using var folder = new TempDirectory();
        string oldJws;
        byte[] oldBody;
        byte[] oldRequest;
        await using (var server = await WardenTestServer.StartAsync(dataDirectory: folder.Path))
        {
            (var request, oldRequest) = ReceiptWire.Build("chat", server.DemoKey, stream: false);
            using var response = await server.Http.SendAsync(request);
            oldBody = await response.Content.ReadAsByteArrayAsync();
            oldJws = Assert.Single(response.Headers.GetValues("Warden-Receipt"));
        }

        var (exit, output) = await CliTests.RunAsync("receipts", "rotate-key", "--data", folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("New signing key: ", output, StringComparison.Ordinal);

        await using var restarted = await WardenTestServer.StartAsync(dataDirectory: folder.Path);
        var keys = await ReceiptWire.JwksAsync(restarted);
        Assert.Equal(2, keys.Keys.Count);
        ReceiptWire.AssertVerifies(oldJws, keys, oldRequest, oldBody);

        string demoKey = restarted.App.Data.KeyIssuer.Issue("after-rotation", Keys.KeyRole.Client, null, null).Plaintext;
        restarted.Reload();
        var (next, nextRequest) = ReceiptWire.Build("chat", demoKey, stream: false);
        using var nextResponse = await restarted.Http.SendAsync(next);
        Assert.Equal(HttpStatusCode.OK, nextResponse.StatusCode);
        string newJws = Assert.Single(nextResponse.Headers.GetValues("Warden-Receipt"));
        ReceiptWire.AssertVerifies(newJws, keys, nextRequest, await nextResponse.Content.ReadAsByteArrayAsync());
        Assert.NotEqual(KeyId(oldJws), KeyId(newJws));
        Assert.Equal(keys.Keys[0].KeyId, KeyId(newJws));
    }

    [Fact]
    public async Task OfficialSdks_ParseStreamsThatEndWithTheReceiptComment()
    {
        await using var server = await WardenTestServer.StartAsync();

        // The raw stream does end with the comment (so the SDKs below really read past it).
        var (raw, _) = ReceiptWire.Build("chat", server.DemoKey, stream: true);
        ReceiptWire.SplitTrailer(await (await server.Http.SendAsync(raw)).Content.ReadAsByteArrayAsync());

        var text = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in server.Chat("sim-small").CompleteChatStreamingAsync([new UserChatMessage("Stream, please.")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
        }

        Assert.NotEqual(0, text.Length);
        Assert.Equal(ChatFinishReason.Stop, finish);

        var anthropic = new AnthropicClient { ApiKey = server.DemoKey, BaseUrl = server.Url.ToString().TrimEnd('/'), MaxRetries = 0 };
        var anthropicText = new System.Text.StringBuilder();
        int stops = 0;
        await foreach (var streamEvent in anthropic.Messages.CreateStreaming(new MessageCreateParams
        {
            Model = "sim-small",
            MaxTokens = 256,
            Messages = [new UserMessageParam { Content = "Stream, please." }],
        }))
        {
            if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var textDelta))
            {
                anthropicText.Append(textDelta.Text);
            }
            else if (streamEvent.TryPickStop(out _))
            {
                stops++;
            }
        }

        Assert.NotEqual(0, anthropicText.Length);
        Assert.Equal(1, stops);
    }

    private static string KeyId(string jws)
    {
        using var header = JsonDocument.Parse(Base64UrlDecode(jws.Split('.')[0]));
        return header.RootElement.GetProperty("kid").GetString()!;
    }

    private static byte[] Base64UrlDecode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}
