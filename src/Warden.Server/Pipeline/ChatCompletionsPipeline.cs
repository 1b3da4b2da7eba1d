using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Warden.Core.Dialects.OpenAIChat;
using Warden.Server.Endpoints;
using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Relay;
using Warden.Server.Routing;
using Warden.Server.Usage;

namespace Warden.Server.Pipeline;

/// <summary>
/// The request path of <c>POST /v1/chat/completions</c>. The stage order is written once, in <see cref="HandleAsync"/>:
/// authenticate, read body, inspect, route, forward, record. Each stage either passes the request on or answers it
/// with an error in OpenAI's protocol; every request ends as exactly one usage record.
/// </summary>
internal sealed class ChatCompletionsPipeline(
    KeyDirectory keys,
    ChannelCatalog catalog,
    OpenAIChatRelay relay,
    UsageWriter usage,
    WardenOptions options,
    TimeProvider time)
{
    /// <summary>How much of an oversized body is read and discarded so the client can read its 413.</summary>
    private const long OversizeDrainBytes = 8 * 1024 * 1024;

    public async Task HandleAsync(HttpContext context)
    {
        var request = new RelayRequest(context.TraceIdentifier, time.GetTimestamp(), time.GetUtcNow());
        try
        {
            if (await AuthenticateAsync(context, request)
                && await ReadBodyAsync(context, request)
                && await InspectAsync(context, request)
                && await RouteAsync(context, request))
            {
                await relay.ForwardAsync(context, request);
            }
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // The client went away (seen as a cancellation, or as a failed read or write); the upstream call was cancelled with it.
            request.Status = StatusCodes.Status499ClientClosedRequest;
            request.Outcome = UsageOutcome.ClientCancelled;
        }
        finally
        {
            if (request.Status == 0)
            {
                request.Status = context.Response.StatusCode;
            }

            await usage.EnqueueAsync(request.ToRecord(time));
        }
    }

    private async Task<bool> AuthenticateAsync(HttpContext context, RelayRequest request)
    {
        var result = keys.Authenticate(BearerToken.From(context.Request), KeyRole.Client);
        if (result.Outcome == AuthenticationOutcome.Authenticated)
        {
            request.Key = result.Key;
            return true;
        }

        string message = result.Outcome switch
        {
            AuthenticationOutcome.Missing => "No API key was sent. Send it as 'Authorization: Bearer <key>'.",
            AuthenticationOutcome.Revoked => "This API key has been revoked.",
            AuthenticationOutcome.Expired => "This API key has expired.",
            _ => "The API key is not valid.",
        };
        await RejectAsync(context, request, StatusCodes.Status401Unauthorized, message, "invalid_request_error", null, "invalid_api_key");
        return false;
    }

    private async Task<bool> ReadBodyAsync(HttpContext context, RelayRequest request)
    {
        long limit = options.MaxRequestBodyBytes;
        var reader = context.Request.BodyReader;

        // Kestrel's own cap sits a drain allowance above Warden's limit: an oversized body is read and discarded
        // up to that allowance before the 413 goes out, so the client finishes sending and reads the error instead
        // of a broken pipe (clients do not send Expect: 100-continue).
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = limit + OversizeDrainBytes;
        }

        if (context.Request.ContentLength > limit)
        {
            if (context.Request.ContentLength <= limit + OversizeDrainBytes)
            {
                await DrainAsync(reader, context.RequestAborted);
            }

            await RejectTooLargeAsync(context, request, limit);
            return false;
        }

        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(context.RequestAborted);
                var buffer = result.Buffer;
                if (buffer.Length > limit)
                {
                    reader.AdvanceTo(buffer.End);
                    await DrainAsync(reader, context.RequestAborted);
                    await RejectTooLargeAsync(context, request, limit);
                    return false;
                }

                if (result.IsCompleted)
                {
                    request.Body = buffer.ToArray();
                    reader.AdvanceTo(buffer.End);
                    return true;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await RejectTooLargeAsync(context, request, limit);
            return false;
        }
    }

    /// <summary>Reads and discards what is left of a rejected body, up to Kestrel's per-request cap.</summary>
    private static async Task DrainAsync(System.IO.Pipelines.PipeReader reader, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (BadHttpRequestException)
        {
            // Past the drain allowance: Kestrel will close the connection after the 413.
        }
    }

    private static async Task<bool> InspectAsync(HttpContext context, RelayRequest request)
    {
        if (ChatRequestInspector.TryInspect(request.Body.Span, out var info, out var error))
        {
            request.Info = info;
            return true;
        }

        await RejectAsync(context, request, StatusCodes.Status400BadRequest, error!.Message, "invalid_request_error", error.Param, null);
        return false;
    }

    private async Task<bool> RouteAsync(HttpContext context, RelayRequest request)
    {
        string model = request.Info!.Model;
        var targets = catalog.Find(model);
        if (targets.IsEmpty)
        {
            await RejectAsync(context, request, StatusCodes.Status404NotFound,
                $"The model '{model}' does not exist or is not served here. GET /v1/models lists the models this key may use.",
                "invalid_request_error", "model", "model_not_found");
            return false;
        }

        if (!request.Key!.MayUse(model))
        {
            await RejectAsync(context, request, StatusCodes.Status403Forbidden,
                $"This API key may not use the model '{model}'.", "permission_error", "model", "model_not_allowed");
            return false;
        }

        // Fallback across channels arrives with the routing issue; until then the highest-priority channel serves.
        request.Target = targets[0];
        return true;
    }

    private static Task RejectTooLargeAsync(HttpContext context, RelayRequest request, long limit) =>
        RejectAsync(context, request, StatusCodes.Status413PayloadTooLarge,
            $"The request body is larger than this server's limit of {limit} bytes.", "invalid_request_error", null, "request_too_large");

    private static Task RejectAsync(HttpContext context, RelayRequest request, int status, string message, string type, string? param, string? code)
    {
        request.Status = status;
        request.Outcome = UsageOutcome.ClientError;
        return OpenAIErrorResponse.WriteAsync(context, status, message, type, param, code);
    }
}
