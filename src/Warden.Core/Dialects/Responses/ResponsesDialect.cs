using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Providers;

namespace Warden.Core.Dialects.Responses;

/// <summary>OpenAI Responses (<c>POST /v1/responses</c>).</summary>
public sealed class ResponsesDialect : WireDialect
{
    private ResponsesDialect()
    {
    }

    public static ResponsesDialect Instance { get; } = new();

    public override WireDialectName Name => WireDialectName.Responses;

    public override string DisplayName => "OpenAI Responses";

    public override string Label => "responses";

    public override IDialectCodec Codec => ResponsesCodec.Instance;

    public override IReadOnlyDictionary<ApiOperation, OperationCell> Operations { get; } = new Dictionary<ApiOperation, OperationCell>
    {
        [ApiOperation.Chat] = new(OperationSupport.Translated, "POST /v1/responses"),
        [ApiOperation.CountTokens] = new(OperationSupport.Refused, "no count-tokens route is served for this protocol"),
        [ApiOperation.ModelsList] = new(OperationSupport.Refused, "Responses clients read OpenAI's GET /v1/models (the OpenAI Chat cell)"),
        [ApiOperation.ModelsRetrieve] = new(OperationSupport.Refused, "Responses clients read OpenAI's GET /v1/models/{id} (the OpenAI Chat cell)"),
    };

    public override string? ClientPathPrefix => "/v1/responses";

    public override ModelsListShape ModelsList => ModelsListShape.OpenAI;

    public override IStreamEncoder CreateClientStreamEncoder(CanonicalRequest request, bool sse, WireDialectName upstream, TimeProvider time) =>
        ResponsesCodec.Instance.CreateStreamEncoder(request, upstream, time);

    /// <summary>Responses events are numbered; Warden's closing event follows the upstream's last number.</summary>
    public override IStreamEncoder CreateClosingEncoder(CanonicalRequest minimal, long? lastSequence, TimeProvider time)
    {
        var encoder = CreateClientStreamEncoder(minimal, sse: true, Name, time);
        if (encoder is ResponsesStreamEncoder responses && lastSequence is { } last)
        {
            responses.ContinueAfter(last);
        }

        return encoder;
    }

    public override bool TryReadSequenceNumber(ReadOnlySpan<byte> data, out long sequence) =>
        ResponsesStreamEncoder.TryReadSequenceNumber(data, out sequence);

    public override string OutputFormatField => "text.format";

    public override string EffortField => "reasoning.effort";

    public override string OutputLimitField => "max_output_tokens";

    public override AffinityFields Affinity { get; } = new(system: ["instructions"], roleList: ["input"], promptCacheKey: ["prompt_cache_key"]);

    public override PolicySites PolicySites { get; } = new(SystemPrefixSite.TextField, "instructions", OutputCapSite.TopLevel, ["max_output_tokens"]);

    /// <summary>
    /// Output items the client runs but the canonical model does not carry as tool calls: a custom tool's call, Codex's
    /// local shell, shell and apply_patch, computer use.
    /// </summary>
    public override bool IsClientRunItem(string? type) =>
        type is "custom_tool_call" or "local_shell_call" or "shell_call" or "apply_patch_call" or "computer_call";

    public override string? UpstreamPath(UpstreamOperation operation, string model, bool stream) =>
        operation == UpstreamOperation.Generate ? "responses" : null;

    public override void WriteProbeBody(Utf8JsonWriter json, string model, string prompt, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteString("model", model);
        json.WriteNumber("max_output_tokens", maxTokens);
        json.WriteString("input", prompt);
    }

    public override ProbeFields ProbeFields { get; } = new("model", "usage", "input_tokens", "output_tokens");
}
