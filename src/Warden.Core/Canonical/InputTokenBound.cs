using System.Buffers.Text;
using System.Text.Json;

namespace Warden.Core.Canonical;

/// <summary>
/// An upper bound of the input tokens any upstream can count for a request body of any dialect, from one forward
/// pass over its JSON and without decoding it: what a credit hold must be (docs/billing.md, "The hold is an upper
/// bound"; issue 18). It rests on two facts and a few documented constants:
/// <list type="bullet">
/// <item>a byte-level BPE (OpenAI's o200k/cl100k, Anthropic's, Llama's and Qwen's) or a SentencePiece model with byte
/// fallback (Gemini's) never produces more tokens than the UTF-8 bytes of its text, and the raw (escaped) bytes of a
/// JSON string are never fewer than the UTF-8 bytes it decodes to;</item>
/// <item>every text a model reads comes from the body: message text, names, tool schemas (names and values alike),
/// so the raw bytes of every member name and every value bound it;</item>
/// <item>what the chat template adds (role markers, separators, the reply priming, OpenAI's 3 or 4 tokens per
/// message) is bounded per JSON object (every message is one) and per request; what a tool-use preamble adds (a
/// provider's tool system prompt and the hidden schema of a built-in tool, under 1,000 tokens in Anthropic's
/// published figures) is bounded per tool; images and documents are held at a per-item cost.</item>
/// </list>
/// Binary payloads (a <c>data:</c> URL, or base64 of at least 1 KB under <c>data</c>/<c>file_data</c>/<c>bytes</c>)
/// are not counted by their bytes: the model reads them as the image or document whose item cost covers them.
/// </summary>
public static class InputTokenBound
{
    /// <summary>Template tokens per JSON object (each message is one): OpenAI counts 3 per message (4 with a name).</summary>
    public const long PerObject = 4;

    /// <summary>Template tokens per request: reply priming, a start token, a default system prompt some templates add.</summary>
    public const long PerRequest = 64;

    /// <summary>Per element of the top-level <c>tools</c> array, and once more for the tool-use preamble.</summary>
    public const long PerTool = 1_024;

    /// <summary>
    /// Per image: the most any provider documents for one image (gpt-4o-mini's high-detail 2833 + 5667 per tile at
    /// 8 tiles = 48,169; Claude about 1,600, Gemini 258 per tile).
    /// </summary>
    public const long PerImage = 50_000;

    /// <summary>
    /// Per document, file or audio item: a PDF is read page by page (text and an image per page), so its tokens are not
    /// bounded by its bytes; no upstream reads more than its context window, which is at most 1M tokens for the models
    /// priced here (Gemini 1.5 Pro's 2M is the exception an operator pricing it must know).
    /// </summary>
    public const long PerDocument = 1_000_000;

    /// <summary>Base64 strings shorter than this are counted by their bytes like any text (cheap either way).</summary>
    private const int BinaryPayloadMinBytes = 1_024;

    /// <summary>The bound for <paramref name="json"/>; a body that is not JSON is bounded by its length (the upstream refuses it anyway).</summary>
    public static long FromJson(ReadOnlySpan<byte> json)
    {
        long bytes = 0;
        long objects = 0;
        long tools = 0;
        long images = 0;
        long documents = 0;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
            var member = Member.Other;
            int toolsArrayDepth = -1;
            int freeFormDepth = -1;
            while (reader.Read())
            {
                bool freeForm = freeFormDepth >= 0;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        objects += reader.TokenType == JsonTokenType.StartObject ? 1 : 0;
                        if (member == Member.FreeForm && !freeForm)
                        {
                            freeFormDepth = reader.CurrentDepth;
                        }
                        else if (!freeForm && reader.TokenType == JsonTokenType.StartObject)
                        {
                            documents += member is Member.FileData or Member.MediaContainer ? 1 : 0;
                            tools += toolsArrayDepth >= 0 && reader.CurrentDepth == toolsArrayDepth + 1 ? 1 : 0;
                        }
                        else if (member == Member.Tools)
                        {
                            toolsArrayDepth = reader.CurrentDepth;
                        }

                        member = Member.Other;
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        if (reader.CurrentDepth == freeFormDepth)
                        {
                            freeFormDepth = -1;
                        }
                        else if (reader.CurrentDepth == toolsArrayDepth && reader.TokenType == JsonTokenType.EndArray)
                        {
                            toolsArrayDepth = -1;
                        }

                        break;
                    case JsonTokenType.PropertyName:
                        bytes += reader.ValueSpan.Length;
                        member = freeForm ? Member.Other : Classify(ref reader);
                        break;
                    case JsonTokenType.String:
                        var value = reader.ValueSpan;
                        if (member == Member.Type)
                        {
                            images += IsImageType(value) ? 1 : 0;
                            documents += IsDocumentType(value) ? 1 : 0;
                        }

                        if (!IsBinaryPayload(value, member))
                        {
                            bytes += value.Length;
                        }

                        member = Member.Other;
                        break;
                    default:
                        // Numbers and literals: schemas' enums and bounds are rendered for the model too.
                        bytes += reader.ValueSpan.Length;
                        member = Member.Other;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return checked(PerRequest + json.Length);
        }

        return checked(PerRequest + bytes + (objects * PerObject) + (tools == 0 ? 0 : (tools + 1) * PerTool)
            + (images * PerImage) + (documents * PerDocument));
    }

    private enum Member
    {
        Other,
        Type,
        Tools,
        Payload,
        Url,
        FileData,
        FreeForm,
        MediaContainer,
    }

    private static Member Classify(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("type"u8))
        {
            return Member.Type;
        }

        if (reader.CurrentDepth == 1 && reader.ValueTextEquals("tools"u8))
        {
            return Member.Tools;
        }

        if (reader.ValueTextEquals("data"u8) || reader.ValueTextEquals("bytes"u8))
        {
            return Member.Payload;
        }

        if (reader.ValueTextEquals("url"u8) || reader.ValueTextEquals("image_url"u8))
        {
            return Member.Url;
        }

        if (IsFreeForm(ref reader))
        {
            return Member.FreeForm;
        }

        // OpenAI's "file_data" is a base64 string; Gemini's snake-case "file_data" is a media part (an object).
        if (reader.ValueTextEquals("file_data"u8))
        {
            return Member.FileData;
        }

        // Gemini's parts name their media by member, not by a type value.
        return reader.ValueTextEquals("inlineData"u8) || reader.ValueTextEquals("inline_data"u8) || reader.ValueTextEquals("fileData"u8)
            ? Member.MediaContainer
            : Member.Other;
    }

    /// <summary>
    /// Members whose value is JSON the model reads as text (tool-call inputs and results, schemas): nothing inside is
    /// taken for an image or a binary payload, so a history cannot hide text from the bound by shaping it like one.
    /// </summary>
    private static bool IsFreeForm(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("input"u8) || reader.ValueTextEquals("args"u8) || reader.ValueTextEquals("arguments"u8)
        || reader.ValueTextEquals("response"u8) || reader.ValueTextEquals("output"u8) || reader.ValueTextEquals("parameters"u8)
        || reader.ValueTextEquals("input_schema"u8) || reader.ValueTextEquals("parametersJsonSchema"u8) || reader.ValueTextEquals("schema"u8)
        || reader.ValueTextEquals("json_schema"u8) || reader.ValueTextEquals("responseSchema"u8) || reader.ValueTextEquals("response_schema"u8)
        || reader.ValueTextEquals("responseJsonSchema"u8) || reader.ValueTextEquals("properties"u8) || reader.ValueTextEquals("metadata"u8);

    // OpenAI Chat "image_url", Responses "input_image", Anthropic "image".
    private static bool IsImageType(ReadOnlySpan<byte> type) =>
        type.SequenceEqual("image_url"u8) || type.SequenceEqual("input_image"u8) || type.SequenceEqual("image"u8);

    // OpenAI Chat "file" and "input_audio", Responses "input_file" and "input_audio", Anthropic "document".
    private static bool IsDocumentType(ReadOnlySpan<byte> type) =>
        type.SequenceEqual("file"u8) || type.SequenceEqual("input_file"u8) || type.SequenceEqual("document"u8)
        || type.SequenceEqual("input_audio"u8) || type.SequenceEqual("audio"u8);

    private static bool IsBinaryPayload(ReadOnlySpan<byte> value, Member member) =>
        member switch
        {
            Member.Url or Member.FileData or Member.Payload when value.StartsWith("data:"u8) => true,
            Member.Payload or Member.FileData => value.Length >= BinaryPayloadMinBytes && Base64.IsValid(value),
            _ => false,
        };
}
