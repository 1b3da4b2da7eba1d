using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Warden.Server.Tests.Support;

/// <summary>
/// An upstream on 127.0.0.1 that answers at any path, the way a vendor's API does at its own path shape, and records what
/// arrived: method, path, query and the credential headers, so a test can check that a provider profile sends its
/// vendor's exact path and auth. Chat Completions answers for paths ending in chat/completions, Anthropic Messages
/// answers for paths ending in messages, and a model list for GET …/models.
/// </summary>
internal sealed class ProfileProbeUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProfileProbeUpstream(WebApplication app, Uri rootUrl)
    {
        _app = app;
        RootUrl = rootUrl;
    }

    public Uri RootUrl { get; }

    public ConcurrentQueue<ProbeRequest> Requests { get; } = new();

    public static async Task<ProfileProbeUpstream> StartAsync()
    {
        ProfileProbeUpstream? self = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(context => self!.AnswerAsync(context));
        await app.StartAsync();
        self = new ProfileProbeUpstream(app, new Uri(app.Urls.Single().TrimEnd('/') + "/"));
        return self;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        string body = await reader.ReadToEndAsync(context.RequestAborted);
        Requests.Enqueue(new ProbeRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
            request.Headers.Authorization.ToString(), request.Headers["api-key"].ToString(), request.Headers["x-api-key"].ToString(),
            request.Headers["anthropic-version"].ToString()));

        string model = body.Contains("\"model\":\"", StringComparison.Ordinal)
            ? body.Split("\"model\":\"")[1].Split('"')[0]
            : "probe-model";
        context.Response.ContentType = "application/json";
        string path = request.Path.Value ?? "";
        string answer = HttpMethods.IsGet(request.Method) && path.EndsWith("/models", StringComparison.Ordinal)
            ? """{"object":"list","data":[{"id":"probe-a","object":"model"},{"id":"probe-b","object":"model"}]}"""
            : path.EndsWith("/messages", StringComparison.Ordinal)
                ? $$$"""{"id":"msg_probe","type":"message","role":"assistant","model":"{{{model}}}","content":[{"type":"text","text":"OK"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}"""
                : $$$"""{"id":"chatcmpl-probe","object":"chat.completion","created":1,"model":"{{{model}}}","choices":[{"index":0,"message":{"role":"assistant","content":"OK"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}""";
        await context.Response.WriteAsync(answer, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request as the probe upstream saw it (credential headers included: these are test keys).</summary>
internal sealed record ProbeRequest(string Method, string Path, string Query, string Authorization, string ApiKey, string XApiKey, string AnthropicVersion);
