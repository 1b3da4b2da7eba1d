using System.Net;

namespace Warden.Core.Providers;

/// <summary>
/// A request body sent from memory that remembers whether sending it started and finished, so a broken connection can
/// be told apart: lost before the body went out, while it was going out, or after (<see cref="UpstreamErrorKind.RequestBodyDropped"/>).
/// </summary>
internal sealed class TrackedBodyContent(ReadOnlyMemory<byte> body) : HttpContent
{
    private const int NotStarted = 0;
    private const int Sending = 1;
    private const int Sent = 2;
    private int _state;

    /// <summary>Sending began and did not finish: the connection broke (or was cut) in the middle of the body.</summary>
    public bool Interrupted => Volatile.Read(ref _state) == Sending;

    public int Length => body.Length;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _state, Sending);
        await stream.WriteAsync(body, cancellationToken);
        Volatile.Write(ref _state, Sent);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = body.Length;
        return true;
    }

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => new MemoryStream(body.ToArray(), writable: false);

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(CreateContentReadStream(CancellationToken.None));
}
