namespace Warden.Core.Canonical;

/// <summary>
/// Estimates input tokens when no upstream can count them (no tokenizer package is available here, and each
/// provider's tokenizer differs anyway). The estimate is about one token per four UTF-8 bytes of text, plus a small
/// per-message and per-tool overhead, and is always labelled as an estimate wherever it is shown.
/// </summary>
public static class TokenEstimator
{
    private const int BytesPerToken = 4;
    private const int PerMessageOverhead = 4;
    private const int PerImage = 1000;

    /// <summary>The name of the method, as recorded beside estimated numbers.</summary>
    public const string Method = "utf8-bytes/4";

    public static long EstimateInput(CanonicalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        long bytes = 0;
        long tokens = 0;
        foreach (var message in request.Messages)
        {
            tokens += PerMessageOverhead;
            foreach (var block in message.Content)
            {
                (bytes, tokens) = Add(block, bytes, tokens);
            }
        }

        foreach (var tool in request.Tools)
        {
            bytes += System.Text.Encoding.UTF8.GetByteCount(tool.Name) + (tool.Description is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(tool.Description));
            bytes += (tool.InputSchema?.GetRawText().Length ?? 0) + (tool.Raw?.GetRawText().Length ?? 0);
        }

        return tokens + ((bytes + BytesPerToken - 1) / BytesPerToken);
    }

    private static (long Bytes, long Tokens) Add(ContentBlock block, long bytes, long tokens)
    {
        switch (block)
        {
            case TextBlock text:
                return (bytes + System.Text.Encoding.UTF8.GetByteCount(text.Text), tokens);
            case ToolCallBlock call:
                return (bytes + System.Text.Encoding.UTF8.GetByteCount(call.Name) + System.Text.Encoding.UTF8.GetByteCount(call.ArgumentsJson), tokens);
            case ToolResultBlock result:
                foreach (var inner in result.Content)
                {
                    (bytes, tokens) = Add(inner, bytes, tokens);
                }

                return (bytes, tokens);
            case ReasoningBlock reasoning:
                return (bytes + (reasoning.Text is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(reasoning.Text)), tokens);
            case ImageBlock or DocumentBlock:
                return (bytes, tokens + PerImage);
            case UnknownBlock unknown:
                return (bytes + unknown.Raw.GetRawText().Length, tokens);
            default:
                return (bytes, tokens);
        }
    }

    /// <summary>
    /// Estimates the tokens of a request body of any dialect without decoding it: the UTF-8 bytes of every string
    /// value (names of JSON members are not counted) divided by four. Used for count-tokens calls no upstream can answer.
    /// </summary>
    public static long EstimateFromJson(ReadOnlySpan<byte> json)
    {
        var reader = new System.Text.Json.Utf8JsonReader(json, new System.Text.Json.JsonReaderOptions { MaxDepth = 256 });
        long bytes = 0;
        while (reader.Read())
        {
            if (reader.TokenType == System.Text.Json.JsonTokenType.String)
            {
                bytes += reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
            }
        }

        return (bytes + BytesPerToken - 1) / BytesPerToken;
    }
}
