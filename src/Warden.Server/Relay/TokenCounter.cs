using System.Globalization;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects;
using Warden.Core.Providers;
using Warden.Server.Pipeline;

namespace Warden.Server.Relay;

/// <summary>
/// Answers count-tokens calls: forwarded to the upstream when it speaks the client's dialect (Anthropic
/// <c>messages/count_tokens</c>, Gemini <c>:countTokens</c>), otherwise a labelled estimate, because no tokenizer is
/// available for another provider's models. The estimate is marked in the <c>Warden-Token-Count</c> header.
/// </summary>
internal sealed class TokenCounter(UpstreamAdapter adapter, TimeProvider time, ILogger<TokenCounter> logger)
{
    /// <summary>The header that says how a count was made: "upstream", or "estimated; method=…".</summary>
    public const string HeaderName = "Warden-Token-Count";

    public async Task CountAsync(HttpContext context, RelayRequest request)
    {
        var target = request.Target!;
        var cancellationToken = context.RequestAborted;
        // A residency rule's destination abroad gets no count call: the estimate keeps the text at home (issue 20).
        var wire = request.Protocol.Wire;
        if (target.Upstream.Profile.Dialect == request.Protocol.Dialect
            && OperationTable.CanServe(request.Operation, request.Protocol.Dialect, target.Upstream.Profile.Dialect)
            && request.Residency?.LeavesHome(target.Jurisdiction) != true)
        {
            // An alias is counted by its target model (in the body where the dialect names it there, else in the path).
            string model = request.Legs.Count > 0 ? request.Legs[0].Model : request.Facts!.Model;
            ReadOnlyMemory<byte> body = wire.ModelInBody && !string.Equals(model, request.Facts!.Model, StringComparison.Ordinal)
                ? Core.Policy.RequestPolicyApplier.ReplaceModel(request.Body.Span, model)
                : request.Body;
            var upstreamRequest = new UpstreamRequest(
                UpstreamOperation.CountTokens, model, body, false,
                wire.VersionHeaders is { } version ? (string?)context.Request.Headers[version.Version] : null,
                wire.VersionHeaders is { Beta: { } beta } ? (string?)context.Request.Headers[beta] : null);
            using var call = await adapter.SendAsync(target.Upstream, upstreamRequest, cancellationToken);
            request.UpstreamRequestId = call.UpstreamRequestId;
            if (call.Error is { } error)
            {
                Telemetry.Log.UpstreamFailed(logger, request.Id, target.ChannelName, error.Kind, error.UpstreamStatus);
                await RelayOutput.FailBeforeCommitAsync(context, request, error);
                return;
            }

            byte[] answer = await HttpContentReader.ReadBoundedAsync(call.Response!.Content, 1024 * 1024, cancellationToken);
            context.Response.Headers[HeaderName] = "upstream";
            await RelayOutput.WriteJsonAsync(context, request, time, answer);
            return;
        }

        long estimate = TokenEstimator.EstimateFromJson(request.Body.Span);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber(wire.CountTokensField, estimate);
            writer.WriteEndObject();
        }

        context.Response.Headers[HeaderName] = string.Create(CultureInfo.InvariantCulture, $"estimated; method={TokenEstimator.Method}");
        await RelayOutput.WriteJsonAsync(context, request, time, buffer.WrittenMemory);
    }
}
