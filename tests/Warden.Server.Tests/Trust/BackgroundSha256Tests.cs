using System.Security.Cryptography;
using Warden.Core.Canonical;
using Warden.Server.Pipeline;
using Warden.Server.Protocols;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// The background hash of a large body: whichever of the thread pool and the receipt gets to it first hashes it, exactly
/// once, and a pooled body is returned only when no thread reads it any more. An unqueued instance lets each test play
/// the thread pool's part (Execute) at the point it chooses.
/// </summary>
public sealed class BackgroundSha256Tests
{
    private static byte[] Data(int length, int seed = 7)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static string Expected(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    [Fact]
    public void WhenThePoolHasNotStarted_TheReaderHashesItself_AndThePoolThenDoesNothing()
    {
        byte[] data = Data(40_000);
        string expected = Expected(data);
        var hash = new BackgroundSha256(data);
        Assert.Equal(expected, hash.Result);

        // The pool comes late and finds nothing to do; the result stands even though the data changed since.
        Array.Clear(data);
        ((IThreadPoolWorkItem)hash).Execute();
        Assert.Equal(expected, hash.Result);
    }

    [Fact]
    public void WhenThePoolHashedFirst_TheReaderGetsThatResult_WithoutReadingTheDataAgain()
    {
        byte[] data = Data(40_000);
        string expected = Expected(data);
        var hash = new BackgroundSha256(data);
        ((IThreadPoolWorkItem)hash).Execute();

        Array.Clear(data);
        Assert.Equal(expected, hash.Result);
    }

    [Fact]
    public async Task ReleasedBeforeAnyoneStarted_TheDataIsNeverRead_AndTheHashCannotBeAskedFor()
    {
        byte[] data = Data(40_000);
        var hash = new BackgroundSha256(data);
        var released = hash.ReleaseAsync();
        Assert.True(released.IsCompletedSuccessfully, "nothing to wait for");
        await released;

        ((IThreadPoolWorkItem)hash).Execute();
        var error = Assert.Throws<InvalidOperationException>(() => hash.Result);
        Assert.Contains("released", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReleasedAfterThePoolHashed_CompletesAtOnce_AndTheResultStays()
    {
        byte[] data = Data(40_000);
        var hash = new BackgroundSha256(data);
        ((IThreadPoolWorkItem)hash).Execute();
        await hash.ReleaseAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Expected(data), hash.Result);
    }

    [Fact]
    public async Task Started_OnTheRealThreadPool_GivesTheHash_AndReleasesAfterIt()
    {
        byte[] data = Data(1 << 20);
        var hashes = Enumerable.Range(0, 16).Select(_ => BackgroundSha256.Start(data)).ToList();

        // Some are taken over by this thread, others read from the pool's result: all agree.
        Assert.All(hashes, h => Assert.Equal(Expected(data), h.Result));
        await Task.WhenAll(hashes.Select(h => h.ReleaseAsync())).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ARelayRequest_HashesALargeClientBodyInTheBackground_AndAChangedUpstreamBodyOnItsOwn()
    {
        var request = new RelayRequest("req-1", 0, DateTimeOffset.UnixEpoch, ClientProtocol.For(WireDialectName.OpenAIChat), new RequestContext());
        byte[] client = Data(BackgroundSha256.MinimumBytes + 1, seed: 1);
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(client.Length);
        client.CopyTo(rented, 0);
        request.UseRentedBody(rented, client.Length);
        request.StartHashingBody();

        // Unchanged upstream body: the client's hash. A changed one, large or small: the hash of its own bytes.
        request.UpstreamBody = request.Body;
        Assert.Equal(Expected(client), request.UpstreamRequestSha256());
        byte[] changed = Data(BackgroundSha256.MinimumBytes * 2, seed: 2);
        request.UpstreamBody = changed;
        Assert.Equal(Expected(changed), request.UpstreamRequestSha256());
        byte[] small = Data(100, seed: 3);
        request.UpstreamBody = small;
        Assert.Equal(Expected(small), request.UpstreamRequestSha256());
        Assert.Equal(Expected(client), request.ClientBodySha256());

        await request.ReturnBodyAsync();
        Assert.True(request.Body.IsEmpty);
    }

    [Fact]
    public async Task ARelayRequest_ReturnedWithoutAReceipt_ReturnsItsBody_AndItsHashCanNoLongerBeAskedFor()
    {
        var request = new RelayRequest("req-2", 0, DateTimeOffset.UnixEpoch, ClientProtocol.For(WireDialectName.Anthropic), new RequestContext());
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        new Random(4).NextBytes(rented);
        request.UseRentedBody(rented, 1 << 20);
        request.StartHashingBody();

        // Whether the pool had started (the release waits for it) or not (the release takes the work over), it ends.
        await request.ReturnBodyAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(request.Body.IsEmpty);
    }
}
