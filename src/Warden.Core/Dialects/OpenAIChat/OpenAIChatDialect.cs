using System.Buffers;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Providers;

namespace Warden.Core.Dialects.OpenAIChat;

/// <summary>OpenAI Chat Completions (<c>POST /v1/chat/completions</c>), the fallback dialect of OpenAI's <c>/v1</c> paths.</summary>
public sealed class OpenAIChatDialect : WireDialect
{
    private OpenAIChatDialect()
    {
    }

    public static OpenAIChatDialect Instance { get; } = new();

    public override WireDialectName Name => WireDialectName.OpenAIChat;

    public override string DisplayName => "OpenAI Chat Completions";

    public override string Label => "openai_chat";

    public override IDialectCodec Codec => OpenAIChatCodec.Instance;

    public override IReadOnlyDictionary<ApiOperation, OperationCell> Operations { get; } = new Dictionary<ApiOperation, OperationCell>
    {
        [ApiOperation.Chat] = new(OperationSupport.Translated, "POST /v1/chat/completions; include_usage spliced into same-dialect streams"),
        [ApiOperation.CountTokens] = new(OperationSupport.Refused, "the protocol has no count-tokens endpoint"),
        [ApiOperation.ModelsList] = new(OperationSupport.Native, "GET /v1/models, answered by Warden from its catalog"),
        [ApiOperation.ModelsRetrieve] = new(OperationSupport.Native, "GET /v1/models/{id}, answered by Warden from its catalog"),
    };

    public override ModelsListShape ModelsList => ModelsListShape.OpenAI;

    /// <summary>Chat keeps the exact types and codes it has always sent (clients and tests read them).</summary>
    public override void WriteClientError(ClientError clientError, string requestId, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(clientError);
        OpenAIErrorWriter.Write(output, clientError.Message, OpenAIType(clientError), clientError.Param, clientError.Code);
    }

    /// <summary>The pass-through relay needs stream_options facts beyond the common ones (<see cref="ChatRequestInfo"/>).</summary>
    public override bool TryInspectClient(ReadOnlySpan<byte> body, RequestContext context, out RequestFacts? facts, out object? detail, out RequestParseError? parseError)
    {
        if (ChatRequestInspector.TryInspect(body, out var info, out parseError))
        {
            detail = info;
            facts = new RequestFacts(info!.Model, info.Stream, info.MaxOutputTokens, info.IncludeUsage);
            return true;
        }

        detail = null;
        facts = null;
        return false;
    }

    public override string OutputFormatField => "response_format";

    public override string EffortField => "reasoning_effort";

    public override string OutputLimitField => "max_tokens";

    public override AffinityFields Affinity { get; } = new(roleList: ["messages"], promptCacheKey: ["prompt_cache_key"]);

    public override PolicySites PolicySites { get; } = new(SystemPrefixSite.LeadingSystemMessage, "messages", OutputCapSite.TopLevel, ["max_tokens", "max_completion_tokens"]);

    public override SameDialectRelay SameDialectRelay(RequestFacts facts, RequestContext context) => Dialects.SameDialectRelay.PassThroughWithUsageSplice;

    public override string? UpstreamPath(UpstreamOperation operation, string model, bool stream) =>
        operation == UpstreamOperation.Generate ? "chat/completions" : null;

    public override void WriteProbeBody(Utf8JsonWriter json, string model, string prompt, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteString("model", model);
        json.WriteNumber("max_tokens", maxTokens);
        json.WriteStartArray("messages");
        json.WriteStartObject();
        json.WriteString("role", "user");
        json.WriteString("content", prompt);
        json.WriteEndObject();
        json.WriteEndArray();
    }

    public override ProbeFields ProbeFields { get; } = new("model", "usage", "prompt_tokens", "completion_tokens");

    private static string OpenAIType(ClientError error) => error.Kind switch
    {
        ClientErrorKind.Permission => "permission_error",
        ClientErrorKind.Internal => "server_error",
        ClientErrorKind.InsufficientCredit => "insufficient_quota",
        ClientErrorKind.RateLimited or ClientErrorKind.Overloaded or ClientErrorKind.UpstreamFailed => error.Code ?? "upstream_error",
        _ => "invalid_request_error",
    };
}
