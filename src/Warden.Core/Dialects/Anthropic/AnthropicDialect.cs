using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects.OpenAIChat;
using Warden.Core.Providers;

namespace Warden.Core.Dialects.Anthropic;

/// <summary>Anthropic Messages (<c>POST /v1/messages</c>).</summary>
public sealed class AnthropicDialect : WireDialect
{
    private AnthropicDialect()
    {
    }

    public static AnthropicDialect Instance { get; } = new();

    public override WireDialectName Name => WireDialectName.Anthropic;

    public override string DisplayName => "Anthropic Messages";

    public override string Label => "anthropic";

    public override IDialectCodec Codec => AnthropicCodec.Instance;

    public override IReadOnlyDictionary<ApiOperation, OperationCell> Operations { get; } = new Dictionary<ApiOperation, OperationCell>
    {
        [ApiOperation.Chat] = new(OperationSupport.Translated, "POST /v1/messages"),
        [ApiOperation.CountTokens] = new(OperationSupport.Native, "POST /v1/messages/count_tokens; the upstream's count from an Anthropic channel, else a labelled estimate"),
        [ApiOperation.ModelsList] = new(OperationSupport.Native, "GET /v1/models with anthropic-version, answered by Warden in Anthropic's paged shape"),
        [ApiOperation.ModelsRetrieve] = new(OperationSupport.Native, "GET /v1/models/{id} with anthropic-version, answered by Warden"),
    };

    public override string? ClientPathPrefix => "/v1/messages";

    public override string? ClientKeyHeader => "x-api-key";

    public override string KeyHint => "'x-api-key: <key>' or 'Authorization: Bearer <key>'";

    public override ModelsListShape ModelsList => ModelsListShape.Anthropic;

    /// <summary>
    /// Every Anthropic SDK sends <c>anthropic-version</c> (any value is accepted, see shared/wire/CLIENTS.md), and
    /// <c>x-api-key</c> without a Bearer token is Anthropic's way to send a key.
    /// </summary>
    public override bool ClaimsSharedRoute(Func<string, bool> hasHeader)
    {
        ArgumentNullException.ThrowIfNull(hasHeader);
        return hasHeader("anthropic-version") || (hasHeader("x-api-key") && !hasHeader("Authorization"));
    }

    public override IStreamEncoder CreateClientStreamEncoder(CanonicalRequest request, bool sse, WireDialectName upstream, TimeProvider time) =>
        AnthropicCodec.CreateStreamEncoder(request, upstream);

    public override string OutputFormatField => "output_format";

    public override string EffortField => "output_config.effort";

    public override string OutputLimitField => "max_tokens";

    public override AffinityFields Affinity { get; } = new(system: ["system"], firstOfList: ["messages"]);

    public override PolicySites PolicySites { get; } = new(SystemPrefixSite.TextOrBlocksField, "system", OutputCapSite.TopLevel, ["max_tokens"]);

    public override string? UpstreamPath(UpstreamOperation operation, string model, bool stream) => operation switch
    {
        UpstreamOperation.Generate => "messages",
        UpstreamOperation.CountTokens => "messages/count_tokens",
        _ => null,
    };

    public override VersionHeaders? VersionHeaders { get; } = new("anthropic-version", "anthropic-beta", "2023-06-01");

    public override void WriteProbeBody(Utf8JsonWriter json, string model, string prompt, int maxTokens) =>
        OpenAIChatDialect.Instance.WriteProbeBody(json, model, prompt, maxTokens);

    public override ProbeFields ProbeFields { get; } = new("model", "usage", "input_tokens", "output_tokens");
}
