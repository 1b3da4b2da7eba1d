using System.Buffers;
using System.Text.Json;
using Warden.Core.Dialects.OpenAIChat;

namespace Warden.Core.Providers.OpenAI;

/// <summary>
/// Makes a streamed Chat Completions request ask the upstream for usage, so streams are metered from
/// upstream-reported numbers. The relay then hides the usage chunk from a client that did not ask for it.
/// </summary>
public static class StreamUsageRequest
{
    private static readonly byte[] Member = "\"stream_options\":{\"include_usage\":true},"u8.ToArray();

    /// <summary>Whether the body sent upstream must differ from the client's to get usage on a stream.</summary>
    public static bool IsNeeded(ChatRequestInfo info, ProviderProfile profile) =>
        info.Stream && info.IncludeUsage != true && !profile.Quirks.HasFlag(ProviderQuirks.NoStreamUsageOption);

    /// <summary>
    /// Returns the body with <c>stream_options.include_usage=true</c>. Every byte outside <c>stream_options</c> is
    /// kept as the client sent it: when the client sent no <c>stream_options</c> the member is spliced in after the
    /// opening brace; otherwise only that member's value is rewritten, keeping its other fields.
    /// </summary>
    /// <remarks>The body must have passed <see cref="ChatRequestInspector"/>, so it is one valid JSON object.</remarks>
    public static byte[] Apply(ReadOnlySpan<byte> body, ChatRequestInfo info)
    {
        if (!info.HasStreamOptions)
        {
            int brace = body.IndexOf((byte)'{');
            var result = new byte[body.Length + Member.Length];
            body[..(brace + 1)].CopyTo(result);
            Member.CopyTo(result.AsSpan(brace + 1));
            body[(brace + 1)..].CopyTo(result.AsSpan(brace + 1 + Member.Length));
            return result;
        }

        // Replace the value of every top-level stream_options member (a duplicate would otherwise win in
        // last-wins parsers), copying everything between them unchanged.
        var output = new ArrayBufferWriter<byte>(body.Length + 32);
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = ChatRequestInspector.MaxDepth });
        reader.Read();
        int copied = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isStreamOptions = reader.ValueTextEquals("stream_options"u8);
            reader.Read();
            int valueStart = (int)reader.TokenStartIndex;
            reader.Skip();
            int valueEnd = (int)reader.BytesConsumed;
            if (!isStreamOptions)
            {
                continue;
            }

            output.Write(body[copied..valueStart]);
            WriteStreamOptions(output, body[valueStart..valueEnd]);
            copied = valueEnd;
        }

        output.Write(body[copied..]);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Writes the client's stream_options object with include_usage forced true and its other members as sent.</summary>
    private static void WriteStreamOptions(IBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        writer.WriteStartObject();
        var reader = new Utf8JsonReader(value, new JsonReaderOptions { MaxDepth = ChatRequestInspector.MaxDepth });
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool keep = !reader.ValueTextEquals("include_usage"u8);
                int nameStart = (int)reader.TokenStartIndex;
                reader.Read();
                int valueStart = (int)reader.TokenStartIndex;
                reader.Skip();
                if (keep)
                {
                    // Name and value exactly as written (escapes included).
                    writer.WritePropertyName(Unquote(value[nameStart..valueStart]));
                    writer.WriteRawValue(value[valueStart..(int)reader.BytesConsumed], skipInputValidation: true);
                }
            }
        }

        writer.WriteBoolean("include_usage"u8, true);
        writer.WriteEndObject();
    }

    // The raw name token is `"name"` followed by optional whitespace and a colon; the writer wants the unescaped name.
    private static string Unquote(ReadOnlySpan<byte> nameToken)
    {
        var reader = new Utf8JsonReader(nameToken[..(nameToken.LastIndexOf((byte)'"') + 1)]);
        reader.Read();
        return reader.GetString()!;
    }
}
