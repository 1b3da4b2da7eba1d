using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Warden.Server.Trust;

/// <summary>
/// Replaces the response body feature of one request so that everything written to the client's body, through
/// <c>Response.BodyWriter</c> or <c>Response.Body</c>, passes through a <see cref="HashingPipeWriter"/>. Installed for
/// streamed relays: the receipt states the SHA-256 of exactly the bytes the client received.
/// </summary>
internal sealed class HashingResponseBodyFeature : IHttpResponseBodyFeature, IDisposable
{
    private readonly IHttpResponseBodyFeature _inner;
    private readonly HttpContext _context;
    private Stream? _stream;

    private HashingResponseBodyFeature(HttpContext context, IHttpResponseBodyFeature inner)
    {
        _context = context;
        _inner = inner;
        Hashing = new HashingPipeWriter(inner.Writer);
    }

    /// <summary>The hashing writer (and through it, the original writer).</summary>
    public HashingPipeWriter Hashing { get; }

    public Stream Stream => _stream ??= Hashing.AsStream(leaveOpen: true);

    public PipeWriter Writer => Hashing;

    /// <summary>Installs the hashing feature on <paramref name="context"/>; dispose it when the request ends.</summary>
    public static HashingResponseBodyFeature Install(HttpContext context)
    {
        var inner = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var feature = new HashingResponseBodyFeature(context, inner);
        context.Features.Set<IHttpResponseBodyFeature>(feature);
        return feature;
    }

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A relayed response is never a file.");

    public Task CompleteAsync() => _inner.CompleteAsync();

    /// <summary>
    /// Puts the original body feature back before the hash is freed: an error written after the relay ended (the
    /// request's error handler answering an exception) goes to the client, not into a disposed hash that turned it
    /// into an empty 500 (issue 18, Gemini streams).
    /// </summary>
    public void Dispose()
    {
        if (ReferenceEquals(_context.Features.Get<IHttpResponseBodyFeature>(), this))
        {
            _context.Features.Set(_inner);
        }

        Hashing.Dispose();
    }
}
