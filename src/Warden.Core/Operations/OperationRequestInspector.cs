using System.Text;
using System.Text.Json;
using Warden.Core.Dialects;

namespace Warden.Core.Operations;

/// <summary>
/// Reads an operation's request body in one forward <see cref="Utf8JsonReader"/> pass, as the chat inspectors do: checks
/// UTF-8 and a single JSON object, refuses a repeated or case-variant <c>model</c>/<c>stream</c>, and collects the
/// quantities of <see cref="OperationRequestInfo"/>. Every refusal names the field. The values are checked for type and
/// presence, not for the provider's ranges (a size the upstream does not offer is the upstream's 400 to give).
/// </summary>
public static class OperationRequestInspector
{
    /// <summary>The same depth limit the chat inspectors accept.</summary>
    public const int MaxDepth = 256;

    /// <summary>OpenAI's default <c>max_tokens</c> for legacy completions.</summary>
    public const int DefaultCompletionMaxTokens = 16;

    public static bool TryInspect(OperationKind kind, ReadOnlySpan<byte> body, out OperationRequestInfo? info, out RequestParseError? error)
    {
        info = null;
        error = body.IsEmpty ? new RequestParseError("The request body is empty; expected a JSON object.", null) : RequestText.Check(body);
        if (error is not null)
        {
            return false;
        }

        var members = new Members(kind);
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = new RequestParseError("The request body must be a JSON object.", null);
                return false;
            }

            while (members.Error is null && reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                members.Read(ref reader);
            }

            if (members.Error is null)
            {
                // Reading past the root object makes the reader reject trailing content.
                reader.Read();
            }
        }
        catch (JsonException ex)
        {
            error = new RequestParseError(
                $"The request body is not valid JSON: it broke at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}.", null);
            return false;
        }

        error = members.Error ?? members.Missing();
        if (error is not null)
        {
            return false;
        }

        info = members.ToInfo();
        return true;
    }

    /// <summary>The members seen so far and the first problem; one instance per body.</summary>
    private sealed class Members(OperationKind kind)
    {
        private readonly HashSet<string> _seen = new(StringComparer.OrdinalIgnoreCase);
        private string? _model;
        private bool _stream;
        private bool? _includeUsage;
        private int _inputs;
        private long _characters;
        private long _tokens;
        private int? _n;
        private string? _size;
        private string? _quality;
        private string? _format;
        private int _documents;
        private long? _maxTokens;
        private int? _dimensions;
        private string? _encoding;
        private bool _hasInput;
        private bool _hasVoice;
        private bool _hasQuery;

        public RequestParseError? Error { get; private set; }

        public void Read(ref Utf8JsonReader reader)
        {
            string name = reader.GetString()!;
            if (name.Equals("model", StringComparison.OrdinalIgnoreCase) || name.Equals("stream", StringComparison.OrdinalIgnoreCase))
            {
                // Warden routes on the exact name; an upstream that matches names case-insensitively could read another.
                string canonical = name.ToLowerInvariant();
                if (!_seen.Add(canonical) || name != canonical)
                {
                    reader.Read();
                    reader.Skip();
                    Fail($"The request body has more than one '{canonical}' member (names differing only in case count as one). Send it once.", canonical);
                    return;
                }
            }

            reader.Read();
            switch (name)
            {
                case "model":
                    _model = String(ref reader, "model", required: true);
                    return;
                case "stream" when kind == OperationKind.Completions:
                    _stream = Boolean(ref reader, "stream") ?? false;
                    return;
                case "stream_options" when kind == OperationKind.Completions:
                    _includeUsage = IncludeUsage(ref reader);
                    return;
            }

            switch (kind)
            {
                case OperationKind.Embeddings when name == "input":
                    _hasInput = true;
                    ReadTextsOrTokens(ref reader, "input");
                    break;
                case OperationKind.Embeddings when name == "dimensions":
                    _dimensions = (int?)Integer(ref reader, "dimensions", 1, int.MaxValue);
                    break;
                case OperationKind.Embeddings when name == "encoding_format":
                    _encoding = String(ref reader, "encoding_format", required: false);
                    break;
                case OperationKind.Completions when name == "prompt":
                    _hasInput = true;
                    ReadTextsOrTokens(ref reader, "prompt");
                    break;
                case OperationKind.Completions when name == "max_tokens":
                    _maxTokens = Integer(ref reader, "max_tokens", 0, int.MaxValue);
                    break;
                case OperationKind.Completions or OperationKind.ImageGeneration when name == "n":
                    _n = (int?)Integer(ref reader, "n", 1, int.MaxValue);
                    break;
                case OperationKind.ImageGeneration when name == "prompt":
                    _hasInput = true;
                    _characters = String(ref reader, "prompt", required: true)?.Length ?? 0;
                    break;
                case OperationKind.ImageGeneration when name == "size":
                    _size = String(ref reader, "size", required: false);
                    break;
                case OperationKind.ImageGeneration when name == "quality":
                    _quality = String(ref reader, "quality", required: false);
                    break;
                case OperationKind.ImageGeneration or OperationKind.Speech when name == "response_format":
                    _format = String(ref reader, "response_format", required: false);
                    break;
                case OperationKind.Speech when name == "input":
                    _hasInput = true;
                    string? text = String(ref reader, "input", required: true);
                    _characters = text is null ? 0 : Runes(text);
                    break;
                case OperationKind.Speech when name == "voice":
                    // A built-in voice's name, or {"id": ...} for a custom voice.
                    _hasVoice = reader.TokenType is JsonTokenType.String or JsonTokenType.StartObject;
                    if (!_hasVoice)
                    {
                        Fail("'voice' must be a string or a voice object.", "voice");
                    }

                    reader.Skip();
                    break;
                case OperationKind.Moderations when name == "input":
                    _hasInput = true;
                    ReadModerationInput(ref reader);
                    break;
                case OperationKind.Rerank when name == "query":
                    _hasQuery = true;
                    _characters += String(ref reader, "query", required: true)?.Length ?? 0;
                    break;
                case OperationKind.Rerank when name == "documents":
                    _hasInput = true;
                    ReadDocuments(ref reader);
                    break;
                case OperationKind.Rerank when name == "top_n":
                    Integer(ref reader, "top_n", 1, int.MaxValue);
                    break;
                case OperationKind.GeminiEmbedContent when name == "content":
                    _hasInput = true;
                    _inputs = 1;
                    ReadGeminiContent(ref reader, "content");
                    break;
                case OperationKind.GeminiEmbedContent when name == "outputDimensionality":
                    _dimensions = (int?)Integer(ref reader, "outputDimensionality", 1, int.MaxValue);
                    break;
                case OperationKind.GeminiBatchEmbedContents when name == "requests":
                    _hasInput = true;
                    ReadGeminiRequests(ref reader);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        public RequestParseError? Missing()
        {
            bool modelRequired = kind is OperationKind.Embeddings or OperationKind.Speech or OperationKind.Completions or OperationKind.Rerank;
            string? input = kind switch
            {
                OperationKind.Completions or OperationKind.ImageGeneration => _hasInput ? null : "prompt",
                OperationKind.Rerank => !_hasQuery ? "query" : _hasInput ? null : "documents",
                OperationKind.GeminiEmbedContent => _hasInput ? null : "content",
                OperationKind.GeminiBatchEmbedContents => _hasInput ? null : "requests",
                _ => _hasInput ? null : "input",
            };
            return modelRequired && _model is null ? new RequestParseError("'model' is required.", "model")
                : input is not null ? new RequestParseError($"'{input}' is required.", input)
                : kind == OperationKind.Speech && !_hasVoice ? new RequestParseError("'voice' is required.", "voice")
                : null;
        }

        public OperationRequestInfo ToInfo()
        {
            int images = kind == OperationKind.ImageGeneration ? _n ?? 1 : 0;
            long? maxOutput = kind == OperationKind.Completions
                ? checked((_maxTokens ?? DefaultCompletionMaxTokens) * (_n ?? 1) * Math.Max(1, _inputs))
                : null;
            return new OperationRequestInfo(kind, _model, _stream, _includeUsage, _inputs, _characters, _tokens, images, _size, _quality,
                _format, _documents, maxOutput, _dimensions, _encoding);
        }

        private void Fail(string message, string param) => Error ??= new RequestParseError(message, param);

        private string? String(ref Utf8JsonReader reader, string param, bool required)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                string value = reader.GetString()!;
                if (required && value.Length == 0)
                {
                    Fail($"'{param}' must not be empty.", param);
                }

                return value;
            }

            if (!required && reader.TokenType == JsonTokenType.Null)
            {
                return null;
            }

            Fail($"'{param}' must be a string.", param);
            reader.Skip();
            return null;
        }

        private bool? Boolean(ref Utf8JsonReader reader, string param)
        {
            if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
            {
                return reader.TokenType == JsonTokenType.True;
            }

            if (reader.TokenType != JsonTokenType.Null)
            {
                Fail($"'{param}' must be a boolean.", param);
                reader.Skip();
            }

            return null;
        }

        private long? Integer(ref Utf8JsonReader reader, string param, long min, long max)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                return null;
            }

            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value))
            {
                Fail($"'{param}' must be an integer.", param);
                reader.Skip();
                return null;
            }

            if (value < min || value > max)
            {
                Fail($"'{param}' must be at least {min}; got {value}.", param);
            }

            return value;
        }

        private static bool? IncludeUsage(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                return null;
            }

            bool? include = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isInclude = reader.ValueTextEquals("include_usage"u8);
                reader.Read();
                if (isInclude && reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                {
                    include = reader.TokenType == JsonTokenType.True;
                }

                reader.Skip();
            }

            return include;
        }

        /// <summary>OpenAI's input forms: a string, strings, one token array, or token arrays (mixed strings and arrays too).</summary>
        private void ReadTextsOrTokens(ref Utf8JsonReader reader, string param)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                _inputs = 1;
                _characters = reader.GetString()!.Length;
                return;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                Fail($"'{param}' must be a string, an array of strings or an array of token arrays.", param);
                reader.Skip();
                return;
            }

            int index = 0;
            bool flatTokens = false;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.String when !flatTokens:
                        _inputs++;
                        _characters += reader.GetString()!.Length;
                        break;
                    case JsonTokenType.Number when index == 0 || flatTokens:
                        // One token array: the whole array is one input.
                        flatTokens = true;
                        _tokens += TokenId(ref reader, $"{param}[{index}]") ? 1 : 0;
                        break;
                    case JsonTokenType.StartArray when !flatTokens:
                        _inputs++;
                        ReadTokenArray(ref reader, $"{param}[{index}]");
                        break;
                    default:
                        Fail($"'{param}[{index}]' must be {(flatTokens ? "a token id" : "a string or an array of token ids")}.", $"{param}[{index}]");
                        reader.Skip();
                        break;
                }

                index++;
            }

            if (flatTokens)
            {
                _inputs = 1;
            }

            if (index == 0)
            {
                Fail($"'{param}' must not be empty.", param);
            }
        }

        private void ReadTokenArray(ref Utf8JsonReader reader, string param)
        {
            int count = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (!TokenId(ref reader, $"{param}[{count}]"))
                {
                    reader.Skip();
                }

                count++;
            }

            _tokens += count;
            if (count == 0)
            {
                Fail($"'{param}' must not be an empty token array.", param);
            }
        }

        private bool TokenId(ref Utf8JsonReader reader, string param)
        {
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long id) && id >= 0)
            {
                return true;
            }

            Fail($"'{param}' must be a non-negative integer token id.", param);
            return false;
        }

        private void ReadModerationInput(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                _inputs = 1;
                _characters = reader.GetString()!.Length;
                return;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                Fail("'input' must be a string, an array of strings or an array of input parts.", "input");
                reader.Skip();
                return;
            }

            int index = 0;
            bool parts = false;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType == JsonTokenType.String && !parts)
                {
                    _inputs++;
                    _characters += reader.GetString()!.Length;
                }
                else if (reader.TokenType == JsonTokenType.StartObject && (index == 0 || parts))
                {
                    // Multimodal parts ({"type":"text"|"image_url",...}) together are one input.
                    parts = true;
                    _inputs = 1;
                    reader.Skip();
                }
                else
                {
                    Fail($"'input[{index}]' must be {(parts ? "an input part" : "a string")}.", $"input[{index}]");
                    reader.Skip();
                }

                index++;
            }

            if (index == 0)
            {
                Fail("'input' must not be empty.", "input");
            }
        }

        private void ReadDocuments(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                Fail("'documents' must be an array.", "documents");
                reader.Skip();
                return;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                string param = $"documents[{_documents}]";
                if (reader.TokenType == JsonTokenType.String)
                {
                    _characters += reader.GetString()!.Length;
                }
                else if (reader.TokenType == JsonTokenType.StartObject)
                {
                    bool hasText = false;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        bool isText = reader.ValueTextEquals("text"u8);
                        reader.Read();
                        if (isText && reader.TokenType == JsonTokenType.String)
                        {
                            hasText = true;
                            _characters += reader.GetString()!.Length;
                        }

                        reader.Skip();
                    }

                    if (!hasText)
                    {
                        Fail($"'{param}' must have a 'text' string.", param);
                    }
                }
                else
                {
                    Fail($"'{param}' must be a string or an object with a 'text' string.", param);
                    reader.Skip();
                }

                _documents++;
            }

            if (_documents == 0)
            {
                Fail("'documents' must not be empty.", "documents");
            }
        }

        private void ReadGeminiRequests(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                Fail("'requests' must be an array.", "requests");
                reader.Skip();
                return;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                string prefix = $"requests[{_inputs}]";
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    Fail($"'{prefix}' must be an object.", prefix);
                    reader.Skip();
                }
                else
                {
                    bool hasContent = false;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        string name = reader.GetString()!;
                        reader.Read();
                        if (name == "content")
                        {
                            hasContent = true;
                            ReadGeminiContent(ref reader, prefix + ".content");
                        }
                        else if (name == "outputDimensionality")
                        {
                            _dimensions ??= (int?)Integer(ref reader, prefix + ".outputDimensionality", 1, int.MaxValue);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }

                    if (!hasContent)
                    {
                        Fail($"'{prefix}.content' is required.", prefix + ".content");
                    }
                }

                _inputs++;
            }

            if (_inputs == 0)
            {
                Fail("'requests' must not be empty.", "requests");
            }
        }

        private void ReadGeminiContent(ref Utf8JsonReader reader, string param)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Fail($"'{param}' must be an object with 'parts'.", param);
                reader.Skip();
                return;
            }

            bool hasParts = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isParts = reader.ValueTextEquals("parts"u8);
                reader.Read();
                if (!isParts)
                {
                    reader.Skip();
                    continue;
                }

                hasParts = reader.TokenType == JsonTokenType.StartArray;
                if (!hasParts)
                {
                    reader.Skip();
                    continue;
                }

                int index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    ReadGeminiPart(ref reader, $"{param}.parts[{index++}]");
                }
            }

            if (!hasParts)
            {
                Fail($"'{param}.parts' must be an array of parts.", param + ".parts");
            }
        }

        private void ReadGeminiPart(ref Utf8JsonReader reader, string param)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Fail($"'{param}' must be a part object.", param);
                reader.Skip();
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isText = reader.ValueTextEquals("text"u8);
                reader.Read();
                if (isText && reader.TokenType == JsonTokenType.String)
                {
                    _characters += reader.GetString()!.Length;
                }

                reader.Skip();
            }
        }

        private static long Runes(string text)
        {
            long count = 0;
            foreach (Rune _ in text.EnumerateRunes())
            {
                count++;
            }

            return count;
        }
    }
}
