using System.Net;
using System.Text;
using Warden.Core.Chat;
using Warden.Core.Trust;
using Warden.Server.Tests.Support;
using Warden.Server.Trust;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// Group commit applied to signing (issue 25): receipts formed while the signer is busy share the next signature, each
/// still verifying alone (with Warden's verifier and with one written from docs/trust.md), and a lone receipt never waits.
/// The concurrency is forced: the first signature is held until the others have queued behind it.
/// </summary>
public sealed class ReceiptBatchingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>Options whose first signature waits until <paramref name="queued"/> receipts queue behind it.</summary>
    private static ReceiptBatchOptions HoldFirstSignatureUntil(int queued, int maxSize = 64)
    {
        var released = new ManualResetEventSlim();
        int signatures = 0;
        return new ReceiptBatchOptions
        {
            MaxSize = maxSize,
            Queued = count =>
            {
                if (count >= queued)
                {
                    released.Set();
                }
            },
            BeforeSignature = _ =>
            {
                if (Interlocked.Increment(ref signatures) == 1)
                {
                    released.Wait(Bound);
                }
            },
        };
    }

    [Fact]
    public async Task ConcurrentAnswers_WhileTheSignerIsBusy_ShareOneSignature_AndEachReceiptVerifiesAlone()
    {
        await using var server = await WardenTestServer.StartAsync(o => o with { ReceiptBatching = HoldFirstSignatureUntil(3) });
        var jwks = await ReceiptWire.JwksAsync(server);
        byte[] jwksJson = await server.Http.GetByteArrayAsync(".well-known/warden/jwks.json");

        // Two complete answers and two streams at once: one is signed first (held), the three others queue behind it.
        var calls = new[] { false, true, false, true }.Select(async stream =>
        {
            var (request, body) = ReceiptWire.Build("chat", server.DemoKey, stream);
            using var response = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            byte[] received = await response.Content.ReadAsByteArrayAsync();
            string id = Assert.Single(response.Headers.GetValues("x-request-id"));
            if (stream)
            {
                var (before, trailer) = ReceiptWire.SplitTrailer(received);
                return (Id: id, Request: body, Response: before, Receipt: trailer);
            }

            return (Id: id, Request: body, Response: received, Receipt: Assert.Single(response.Headers.GetValues(RequestReceipts.HeaderName)));
        }).ToList();
        var answers = await Task.WhenAll(calls);

        var sizes = answers.Select(a => ReceiptBatch.Verify(a.Receipt, jwks).Batch!.Size).Order().ToList();
        Assert.Equal([1, 3, 3, 3], sizes);
        var batch = answers.Where(a => ReceiptBatch.Verify(a.Receipt, jwks).Batch!.Size == 3).ToList();
        Assert.Single(batch.Select(a => a.Receipt.Split('~')[0]).Distinct());
        Assert.Equal(["0", "1", "2"], batch.Select(a => a.Receipt.Split('~')[2]).Order());

        foreach (var answer in answers)
        {
            var claims = ReceiptWire.AssertVerifies(answer.Receipt, jwks, answer.Request, answer.Response);
            Assert.Equal(answer.Id, claims.RequestId);
            var (spec, failure) = SpecReceiptVerifier.Verify(answer.Receipt, jwksJson);
            Assert.True(spec is not null, failure);
            Assert.Equal(answer.Id, spec!.Value.GetProperty("request_id").GetString());
            Assert.Equal(ReceiptJson.Sha256Hex(answer.Response), spec.Value.GetProperty("response_sha256").GetString());

            // The receipt served later is the one the answer carried.
            using var stored = new HttpRequestMessage(HttpMethod.Get, $"v1/receipts/{answer.Id}");
            stored.Headers.Authorization = new("Bearer", server.DemoKey);
            using var storedResponse = await server.Http.SendAsync(stored);
            Assert.Equal(HttpStatusCode.OK, storedResponse.StatusCode);
            Assert.Contains(answer.Receipt, await storedResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AReceiptWithAChangedPath_OrMovedUnderAnotherBatchHeader_FailsBothVerifiers()
    {
        await using var server = await WardenTestServer.StartAsync(o => o with { ReceiptBatching = HoldFirstSignatureUntil(2) });
        var jwks = await ReceiptWire.JwksAsync(server);
        byte[] jwksJson = await server.Http.GetByteArrayAsync(".well-known/warden/jwks.json");
        var receipts = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
        {
            var (request, _) = ReceiptWire.Build("chat", server.DemoKey, stream: false);
            using var response = await server.Http.SendAsync(request);
            return Assert.Single(response.Headers.GetValues(RequestReceipts.HeaderName));
        }));
        string alone = receipts.Single(r => r.EndsWith("~0~", StringComparison.Ordinal));
        string inPair = receipts.First(r => !r.EndsWith("~0~", StringComparison.Ordinal));
        string[] parts = inPair.Split('~');
        Assert.Equal(2, ReceiptBatch.Verify(inPair, jwks).Batch!.Size);

        byte[] path = System.Buffers.Text.Base64Url.DecodeFromChars(parts[3]);
        path[5] ^= 0x40;
        string changedPath = string.Join('~', parts[0], parts[1], parts[2], System.Buffers.Text.Base64Url.EncodeToString(path));
        string moved = alone.Split('~')[0] + inPair[inPair.IndexOf('~', StringComparison.Ordinal)..];
        string otherIndex = string.Join('~', parts[0], parts[1], parts[2] == "0" ? "1" : "0", parts[3]);
        foreach (string tampered in (string[])[changedPath, moved, otherIndex])
        {
            var report = ReceiptVerifier.Verify(tampered, jwks);
            Assert.Equal("batch_inclusion", report.Checks.First(c => !c.Passed).Name);
            Assert.Null(SpecReceiptVerifier.Verify(tampered, jwksJson).Claims);
        }
    }

    [Fact]
    public async Task ALoneReceipt_IsSignedAtOnce_AndABusySignerBoundsItsBatches()
    {
        using var key = EcSigningKey.Generate();
        var ring = new SigningKeyRing(key);
        var keys = ring.PublicKeys;

        // Idle: the caller signs its own receipt before returning, in a batch of one.
        var idle = new ReceiptBatcher(ring, TimeProvider.System, new ReceiptBatchOptions());
        var lone = idle.SignAsync(Payload(0));
        Assert.True(lone.IsCompletedSuccessfully);
        Assert.Equal(1, ReceiptBatch.Verify(await lone, keys).Batch!.Size);

        // Busy: five receipts queue behind a held signature; batches hold at most two.
        var busy = new ReceiptBatcher(ring, TimeProvider.System, HoldFirstSignatureUntil(5, maxSize: 2));
        var signing = new List<Task<string>> { Task.Run(async () => await busy.SignAsync(Payload(0))) };
        for (int i = 1; i <= 5; i++)
        {
            int n = i;
            signing.Add(Task.Run(async () => await busy.SignAsync(Payload(n))));
        }

        string[] receipts = await Task.WhenAll(signing).WaitAsync(Bound);
        var sizes = receipts.Select(r => ReceiptBatch.Verify(r, keys)).ToList();
        Assert.All(sizes, s => Assert.True(s.IsValid));

        // The held one alone, then the five queued behind it in batches of two, two and one.
        Assert.Equal([1, 1, 2, 2, 2, 2], sizes.Select(s => s.Batch!.Size).Order());
        for (int i = 0; i < receipts.Length; i++)
        {
            Assert.Equal($"req_{i}", ReceiptVerifier.Verify(receipts[i], keys).Claims!.RequestId);
        }
    }

    private static byte[] Payload(int i) => ReceiptJson.ToUtf8(new ReceiptClaims
    {
        Version = ReceiptClaims.CurrentVersion,
        RequestId = $"req_{i}",
        IssuedAt = DateTimeOffset.UnixEpoch,
        KeyFingerprint = "k",
        RequestedModel = "m",
        Provider = "p",
        Channel = "c",
        ClientRequestSha256 = ReceiptJson.Sha256Hex(Encoding.UTF8.GetBytes($"request {i}")),
        ResponseSha256 = ReceiptJson.Sha256Hex(Encoding.UTF8.GetBytes($"response {i}")),
        Usage = new Core.Chat.Usage(1, 1, null, null, null, UsageSource.Reported),
    });
}
