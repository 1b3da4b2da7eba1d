using System.Diagnostics;
using Warden.Core.Canonical;
using Warden.Server.Routing;
using Warden.Server.Usage;

namespace Warden.Server.Telemetry;

/// <summary>
/// Warden's spans (ActivitySource "Warden"): one server span per HTTP request, one client span per upstream attempt,
/// with the OpenTelemetry GenAI attribute names (docs/operations.md, "Traces"). Only names the operator chose (models,
/// channels, providers), counts, statuses and error kinds go into a span: never prompt or answer content, a client key,
/// an upstream credential, a URL query or a client-chosen model name that did not route. Without a listener (no OTLP
/// export, no JSON logs) no span is created and each call here costs one check.
/// </summary>
internal static class WardenTrace
{
    public const string SourceName = "Warden";

    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>
    /// Starts the request's span as the root of a trace of Warden's own: a client's traceparent becomes a link, so a
    /// client neither picks Warden's trace id (nor its sampling) nor has its trace id sent on to the upstream.
    /// </summary>
    public static Activity? StartRequest(HttpContext context)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        // Whatever the host started for this request is not Warden's parent.
        Activity.Current = null;
        ActivityLink[]? links = null;
        if (context.Request.Headers.TraceParent is [{ } traceParent]
            && ActivityContext.TryParse(traceParent, context.Request.Headers.TraceState.FirstOrDefault(), isRemote: true, out var client))
        {
            links = [new ActivityLink(client)];
        }

        var activity = Source.StartActivity(context.Request.Method, ActivityKind.Server, parentContext: default, tags: null, links: links);
        activity?.SetTag("http.request.method", context.Request.Method);

        // Warden's own id of the request (its x-request-id), so a span can be found from a log line or a receipt.
        activity?.SetTag("warden.request.id", context.TraceIdentifier);
        return activity;
    }

    /// <summary>Names the request's span by the route it matched (a template: no model name or key from the URL).</summary>
    public static void EndRequest(Activity activity, HttpContext context)
    {
        if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route })
        {
            activity.SetTag("http.route", route);
            if (activity.DisplayName == context.Request.Method)
            {
                activity.DisplayName = context.Request.Method + " " + route;
            }
        }

        int status = context.Response.StatusCode;
        activity.SetTag("http.response.status_code", status);
        if (status >= 500)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The relayed request's GenAI facts on its server span, once it is routed (so the model is the operator's name).</summary>
    public static void Routed(Activity? activity, WireDialectName protocol, string model, bool stream)
    {
        if (activity is null)
        {
            return;
        }

        string operation = OperationName(protocol);
        activity.DisplayName = operation + " " + model;
        activity.SetTag("gen_ai.operation.name", operation);
        activity.SetTag("gen_ai.request.model", model);
        activity.SetTag("warden.protocol", WardenMetrics.ProtocolName(protocol));
        activity.SetTag("warden.stream", stream);
    }

    /// <summary>The relayed request's end on its server span: what served it, what it used, how it ended.</summary>
    public static void Finished(Activity? activity, string? servedModel, Core.Chat.Usage usage, string outcome, string? channel)
    {
        if (activity is null)
        {
            return;
        }

        SetAnswer(activity, servedModel, usage);
        activity.SetTag("warden.outcome", outcome);
        if (channel is not null)
        {
            activity.SetTag("warden.channel", channel);
        }

        if (outcome != UsageOutcome.Completed)
        {
            activity.SetTag("error.type", outcome);
        }
    }

    /// <summary>
    /// Starts the span of one upstream attempt (kind client, a child of the request's span). Its context is the
    /// traceparent the upstream call carries (<see cref="TraceParentPropagator"/>).
    /// </summary>
    public static Activity? StartAttempt(WireDialectName protocol, string model, RouteTarget target, int attempt)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        string operation = OperationName(target.Upstream.Profile.Dialect);
        var activity = Source.StartActivity(operation + " " + model, ActivityKind.Client);
        if (activity is null)
        {
            return null;
        }

        var baseUrl = target.Upstream.BaseUrl;
        activity.SetTag("gen_ai.operation.name", operation);
        activity.SetTag("gen_ai.provider.name", ProviderName(target.Upstream.Profile.Id));
        activity.SetTag("gen_ai.request.model", model);
        activity.SetTag("server.address", baseUrl.IdnHost);
        activity.SetTag("server.port", baseUrl.Port);
        activity.SetTag("warden.channel", target.ChannelName);
        activity.SetTag("warden.channel.key_index", target.KeyIndex);
        activity.SetTag("warden.attempt", attempt);
        activity.SetTag("warden.protocol", WardenMetrics.ProtocolName(protocol));
        return activity;
    }

    /// <summary>The attempt's result: "ok", or the upstream error kind (also as error.type) and status.</summary>
    public static void AttemptEnded(Activity? activity, string outcome, int? upstreamStatus, string? servedModel, Core.Chat.Usage usage)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("warden.attempt.outcome", outcome);
        if (upstreamStatus is { } status)
        {
            activity.SetTag("http.response.status_code", status);
        }

        if (outcome != WardenMetrics.AttemptOk)
        {
            activity.SetTag("error.type", outcome);
            activity.SetStatus(ActivityStatusCode.Error);
        }
        else
        {
            SetAnswer(activity, servedModel, usage);
        }
    }

    private static void SetAnswer(Activity activity, string? servedModel, Core.Chat.Usage usage)
    {
        if (servedModel is not null)
        {
            activity.SetTag("gen_ai.response.model", servedModel);
        }

        if (usage.InputTokens is { } input)
        {
            activity.SetTag("gen_ai.usage.input_tokens", input);
        }

        if (usage.OutputTokens is { } output)
        {
            activity.SetTag("gen_ai.usage.output_tokens", output);
        }
    }

    /// <summary>GenAI's operation name for a dialect's generation call (Gemini's is generate_content, the others chat).</summary>
    public static string OperationName(WireDialectName dialect) => Core.Dialects.WireDialects.For(dialect).GenerateOperationName;

    /// <summary>GenAI's well-known provider names where one exists; any other profile keeps its own id.</summary>
    public static string ProviderName(string profileId) => profileId switch
    {
        "gemini" => "gcp.gemini",
        "openai-responses" => "openai",
        _ => profileId,
    };
}
