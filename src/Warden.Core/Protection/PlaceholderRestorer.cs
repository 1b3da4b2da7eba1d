using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Core.Protection;

/// <summary>
/// Puts masked values back into ONE text stream of an answer (one message's text, one tool call's arguments). Feed
/// each chunk to <see cref="Push"/> and emit what it returns; it holds back only a tail that may be the start of a
/// placeholder (at most the longest placeholder in the map), so a placeholder cut across chunks at any character is
/// restored whole. Call <see cref="Flush"/> at the end of the stream. Text that only looks like a placeholder but is
/// not in the map passes unchanged.
/// </summary>
public sealed class PlaceholderRestorer
{
    private readonly PlaceholderMap _map;
    private readonly PlaceholderContext _context;
    private string _held = "";

    public PlaceholderRestorer(PlaceholderMap map)
        : this(map, PlaceholderContext.Text)
    {
    }

    public PlaceholderRestorer(PlaceholderMap map, PlaceholderContext context)
    {
        ArgumentNullException.ThrowIfNull(map);
        _map = map;
        _context = context;
    }

    /// <summary>Whether a tail is held back, waiting for the next chunk.</summary>
    public bool IsHolding => _held.Length > 0;

    /// <summary>The text of <paramref name="chunk"/> (and what was held before it) that is safe to emit now.</summary>
    public string Push(string chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (_map.Count == 0)
        {
            return chunk;
        }

        string text = _held.Length == 0 ? chunk : string.Concat(_held, chunk);
        _held = "";
        int bracket = text.IndexOf('[', StringComparison.Ordinal);
        if (bracket < 0)
        {
            return text;
        }

        var output = new StringBuilder(text.Length);
        int i = 0;
        while (bracket >= 0)
        {
            output.Append(text, i, bracket - i);
            switch (Placeholder.Examine(text.AsSpan(bracket), _map.MaxPlaceholderLength, out int length))
            {
                case PlaceholderShape.Partial:
                    _held = text[bracket..];
                    return output.ToString();
                case PlaceholderShape.Complete when _map.TryGetOriginal(text.AsSpan(bracket, length), out string original):
                    AppendOriginal(output, original);
                    i = bracket + length;
                    break;
                default:
                    output.Append('[');
                    i = bracket + 1;
                    break;
            }

            bracket = text.IndexOf('[', i);
        }

        output.Append(text, i, text.Length - i);
        return output.ToString();
    }

    /// <summary>What is still held at the end of the stream (a tail that did not become a placeholder).</summary>
    public string Flush()
    {
        string held = _held;
        _held = "";
        return held;
    }

    /// <summary>Restores a complete text at once; independent of this restorer's stream state.</summary>
    public string Restore(string text)
    {
        var once = new PlaceholderRestorer(_map, _context);
        string head = once.Push(text);
        string tail = once.Flush();
        return tail.Length == 0 ? head : head + tail;
    }

    private void AppendOriginal(StringBuilder output, string original)
    {
        if (_context == PlaceholderContext.Json)
        {
            // Relaxed escaping: only what JSON requires inside a string (quotes, backslash, control characters), so
            // non-ASCII values come back as they were.
            output.Append(JsonEncodedText.Encode(original, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value);
        }
        else
        {
            output.Append(original);
        }
    }
}
