using System.Buffers;
using System.Text.Json;

namespace Warden.Core.Json;

/// <summary>
/// A <see cref="JsonDocument"/> over a pooled copy of a span (a document needs memory it can hold): for JSON read once
/// and let go, such as one stream event. Disposing it disposes the document and returns the copy, so no element of it
/// may be kept past that.
/// </summary>
internal readonly struct PooledJsonDocument : IDisposable
{
    private readonly byte[] _copy;
    private readonly JsonDocument _document;

    private PooledJsonDocument(byte[] copy, JsonDocument document)
    {
        _copy = copy;
        _document = document;
    }

    public JsonElement RootElement => _document.RootElement;

    /// <summary>Parses <paramref name="utf8"/>; throws <see cref="JsonException"/> (with the copy already returned) when it is not one JSON value.</summary>
    public static PooledJsonDocument Parse(ReadOnlySpan<byte> utf8, JsonDocumentOptions options)
    {
        byte[] copy = ArrayPool<byte>.Shared.Rent(Math.Max(utf8.Length, 1));
        try
        {
            utf8.CopyTo(copy);
            return new PooledJsonDocument(copy, JsonDocument.Parse(copy.AsMemory(0, utf8.Length), options));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(copy);
            throw;
        }
    }

    public void Dispose()
    {
        _document.Dispose();
        ArrayPool<byte>.Shared.Return(_copy);
    }
}
