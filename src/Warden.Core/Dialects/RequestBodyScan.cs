using System.Text.Json;

namespace Warden.Core.Dialects;

/// <summary>
/// The one forward pass every body-carrying inspector makes (Chat, Responses, Anthropic): checks that the body is
/// UTF-8 and a single JSON object, reads <c>model</c> and <c>stream</c>, hands every other top-level member to the
/// dialect's reader, and rejects trailing content. Linear in size; nothing is materialised.
/// </summary>
public static class RequestBodyScan
{
    /// <summary>
    /// Reads one top-level member the scan does not know. The reader is on the member's name; the handler must leave
    /// it on the member value's last token (<c>reader.SkipPropertyValue()</c> when the member is not wanted).
    /// </summary>
    public delegate void MemberReader<TState>(ref Utf8JsonReader reader, ref TState state);

    public static bool TryScan<TState>(
        ReadOnlySpan<byte> body, int maxDepth, ref TState state, MemberReader<TState> readMember,
        out string model, out bool stream, out RequestParseError? error)
    {
        ArgumentNullException.ThrowIfNull(readMember);
        model = "";
        stream = false;
        error = null;
        if (body.IsEmpty)
        {
            error = new RequestParseError("The request body is empty; expected a JSON object.", null);
            return false;
        }

        // Utf8JsonReader checks UTF-8 only in strings it decodes; bytes in skipped strings would reach the upstream unchecked.
        if (RequestText.Check(body) is { } textError)
        {
            error = textError;
            return false;
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = maxDepth });
        string? found = null;
        bool modelWrongType = false;
        bool streamSeen = false;
        string? repeated = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = new RequestParseError("The request body must be a JSON object.", null);
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    if (found is not null || modelWrongType)
                    {
                        repeated ??= "model";
                    }

                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        found = reader.GetString();
                    }
                    else
                    {
                        modelWrongType = true;
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    repeated ??= streamSeen ? "stream" : null;
                    streamSeen = true;
                    reader.Read();
                    stream = reader.TokenType == JsonTokenType.True;
                    reader.Skip();
                }
                else
                {
                    repeated ??= CaseVariant(ref reader);
                    readMember(ref reader, ref state);
                }
            }

            // Reading past the root object makes the reader reject trailing content (a JsonException below).
            reader.Read();
        }
        catch (JsonException ex)
        {
            error = new RequestParseError(
                $"The request body is not valid JSON: it broke at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}.",
                null);
            return false;
        }

        if (repeated is not null)
        {
            error = new RequestParseError(
                $"The request body has more than one '{repeated}' member (names differing only in case count as one): Warden would route on one and an upstream could read the other. Send it once.",
                repeated);
            return false;
        }

        if (modelWrongType)
        {
            error = new RequestParseError("'model' must be a string.", "model");
            return false;
        }

        if (string.IsNullOrEmpty(found))
        {
            error = new RequestParseError("'model' is required.", "model");
            return false;
        }

        model = found;
        return true;
    }

    /// <summary>
    /// The routing member a top-level name spells in another case ("Model", "STREAM"), else null. Warden routes on the
    /// exact name, while an upstream whose parser matches names case-insensitively (Go's encoding/json, for one) would
    /// take the variant: the two could disagree on the model served, so a variant is refused like a repeat.
    /// </summary>
    private static string? CaseVariant(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && reader.ValueSpan.Length is not (5 or 6))
        {
            return null;
        }

        string name = reader.GetString()!;
        return string.Equals(name, "model", StringComparison.OrdinalIgnoreCase) ? "model"
            : string.Equals(name, "stream", StringComparison.OrdinalIgnoreCase) ? "stream"
            : null;
    }
}
