using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Providers;

namespace Warden.Core.Dialects.Gemini;

/// <summary>Google's Gemini API v1beta (<c>models/{model}:generateContent</c>).</summary>
public sealed class GeminiDialect : WireDialect
{
    private GeminiDialect()
    {
    }

    public static GeminiDialect Instance { get; } = new();

    public override WireDialectName Name => WireDialectName.Gemini;

    public override string DisplayName => "Gemini";

    public override string Label => "gemini";

    public override IDialectCodec Codec => GeminiCodec.Instance;

    public override IReadOnlyDictionary<ApiOperation, OperationCell> Operations { get; } = new Dictionary<ApiOperation, OperationCell>
    {
        [ApiOperation.Chat] = new(OperationSupport.Translated, ":generateContent, :streamGenerateContent (SSE passed through, the JSON-array stream re-framed)"),
        [ApiOperation.CountTokens] = new(OperationSupport.Native, ":countTokens; the upstream's count from a Gemini channel, else a labelled estimate"),
        [ApiOperation.ModelsList] = new(OperationSupport.Native, "GET /v1beta/models, answered by Warden from its catalog"),
        [ApiOperation.ModelsRetrieve] = new(OperationSupport.Native, "GET /v1beta/models/{id}, answered by Warden from its catalog"),
    };

    public override string? ClientPathPrefix => "/v1beta";

    public override string? ClientKeyHeader => "x-goog-api-key";

    public override string? ClientKeyQuery => "key";

    public override string KeyHint => "'x-goog-api-key: <key>' or the 'key' query parameter";

    public override ModelsListShape ModelsList => ModelsListShape.Gemini;

    public override IStreamEncoder CreateClientStreamEncoder(CanonicalRequest request, bool sse, WireDialectName upstream, TimeProvider time) =>
        GeminiCodec.Instance.CreateStreamEncoder(request, sse, upstream);

    public override string StreamContentType(bool sse) => sse ? "text/event-stream" : "application/json";

    /// <summary>
    /// Not Gemini: its JSON-array form has no comment syntax, and the @google/genai SDK (Gemini CLI) matches only
    /// <c>data:</c> lines and fails on any other text left at the end of an SSE stream ("Incomplete JSON segment at the
    /// end"). Gemini receipts are only stored.
    /// </summary>
    public override bool StreamReceiptTrailer => false;

    public override string OutputFormatField => "generationConfig.responseMimeType";

    public override string EffortField => "generationConfig.thinkingConfig.thinkingLevel";

    public override string OutputLimitField => "generationConfig.maxOutputTokens";

    public override bool ModelInBody => false;

    public override string CountTokensField => "totalTokens";

    public override string GenerateOperationName => "generate_content";

    public override AffinityFields Affinity { get; } = new(system: ["systemInstruction", "system_instruction"], firstOfList: ["contents"]);

    public override PolicySites PolicySites { get; } = new(SystemPrefixSite.GeminiSystemInstruction, "systemInstruction", OutputCapSite.GenerationConfig, ["maxOutputTokens", "max_output_tokens"]);

    /// <summary>Gemini's non-SSE stream (a JSON array) is re-framed through the codec; its SSE stream passes through.</summary>
    public override SameDialectRelay SameDialectRelay(RequestFacts facts, RequestContext context)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(context);
        return facts.Stream && context.GeminiSse == false ? Dialects.SameDialectRelay.Translate : Dialects.SameDialectRelay.PassThrough;
    }

    public override string? UpstreamPath(UpstreamOperation operation, string model, bool stream) => operation switch
    {
        UpstreamOperation.Generate => stream
            ? $"models/{Uri.EscapeDataString(model)}:streamGenerateContent?alt=sse"
            : $"models/{Uri.EscapeDataString(model)}:generateContent",
        UpstreamOperation.CountTokens => $"models/{Uri.EscapeDataString(model)}:countTokens",
        _ => null,
    };

    public override void WriteProbeBody(Utf8JsonWriter json, string model, string prompt, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartArray("contents");
        json.WriteStartObject();
        json.WriteString("role", "user");
        json.WriteStartArray("parts");
        json.WriteStartObject();
        json.WriteString("text", prompt);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteStartObject("generationConfig");
        json.WriteNumber("maxOutputTokens", maxTokens);
        json.WriteEndObject();
    }

    public override ProbeFields ProbeFields { get; } = new("modelVersion", "usageMetadata", "promptTokenCount", "candidatesTokenCount");
}
