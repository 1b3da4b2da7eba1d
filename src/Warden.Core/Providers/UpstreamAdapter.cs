using System.Collections.Concurrent;
using System.Globalization;

using Warden.Core.Providers.OpenAI;

namespace Warden.Core.Providers;

/// <summary>
/// Sends requests to upstreams of every dialect. The only code that touches HttpClient for upstream calls; providers
/// differ only in their <see cref="ProviderProfile"/> (dialect, base URL, auth scheme).
/// </summary>
/// <remarks>
/// The body is sent exactly as given (the caller decides on any change); the client's own headers are never
/// forwarded, so nothing of the client's identity or credentials leaks upstream. No Accept-Encoding is sent,
/// so the upstream answers in identity encoding and bytes can be relayed and hashed as they come.
/// Channels that may reach loopback and private addresses (local profiles) send through their own client, so their
/// connection pool is never shared with other channels: the address check runs when a connection is opened, and a
/// pooled connection a local channel opened to a host must not carry a public channel's request to the same host.
/// </remarks>
public sealed class UpstreamAdapter(HttpClient http, HttpClient privateNetworkHttp)
{
    /// <summary>Most of an error body Warden reads; error bodies are small, anything larger is cut.</summary>
    private const int MaxErrorBodyBytes = 64 * 1024;

    private const string UserAgent = "Warden/0.1";

    // Resolved upstream URLs by base and path: building a Uri parses it, and every call goes to one of a few.
    // Bounded: cleared when channels and Gemini model paths ever add up to more than this. Keyed by the base URL's
    // exact text: Uri equality ignores user info, and two channels must never share a URL.
    private const int MaxCachedUris = 4096;
    private static readonly ConcurrentDictionary<(string Base, string Path), Uri> Uris = new();

    /// <summary>Sends a Chat Completions body (the pass-through path of OpenAI-compatible upstreams).</summary>
    public Task<UpstreamCall> SendAsync(UpstreamTarget target, ReadOnlyMemory<byte> body, bool stream, CancellationToken cancellationToken) =>
        SendAsync(target, new UpstreamRequest(UpstreamOperation.Generate, "", body, stream), cancellationToken);

    public async Task<UpstreamCall> SendAsync(UpstreamTarget target, UpstreamRequest upstreamRequest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(upstreamRequest);
        var dialect = target.Profile.Dialect;
        string path = upstreamRequest.RelativePath(dialect);
        if (target.Profile.RequestQuery is { } query)
        {
            path += (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, Resolve(target.BaseUrl, path));

        // Fixed header values go in as text: typed header objects would be built and parsed again on every call.
        var content = new TrackedBodyContent(upstreamRequest.Body);
        request.Content = content;
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        request.Headers.TryAddWithoutValidation("Accept", upstreamRequest.Stream ? "text/event-stream" : "application/json");
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Options.Set(UpstreamTarget.AllowPrivateNetworkOption, target.AllowPrivateNetwork);
        if (target.ConnectTimeout is { } connectTimeout)
        {
            request.Options.Set(UpstreamTarget.ConnectTimeoutOption, connectTimeout);
        }
        Dialects.WireDialects.For(dialect).AddVersionHeaders(request.Headers, upstreamRequest.AnthropicVersion, upstreamRequest.AnthropicBeta);

        AddCredential(request, target);

        HttpResponseMessage response;
        var connection = UpstreamConnection.Observe();
        try
        {
            var client = target.AllowPrivateNetwork ? privateNetworkHttp : http;
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex) when (content.Interrupted && content.Length >= UpstreamErrorPolicy.LargeRequestBodyBytes)
        {
            // Connected, then cut while the large body was going out: the upstream dropped this body (docs/routing.md, "Health").
            return UpstreamCall.Failed(new UpstreamError(UpstreamErrorKind.RequestBodyDropped,
                $"The upstream provider closed the connection while this request's {content.Length}-byte body was being sent ({ex.HttpRequestError}); it is most likely larger than the upstream accepts."));
        }
        catch (HttpRequestException ex)
        {
            return UpstreamCall.Failed(new UpstreamError(
                UpstreamErrorKind.ConnectFailed, $"Could not reach the upstream provider ({ex.HttpRequestError})."));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return UpstreamCall.Failed(new UpstreamError(UpstreamErrorKind.Timeout, "The upstream provider did not answer in time."));
        }

        string? upstreamRequestId = FirstHeader(response, "x-request-id") ?? FirstHeader(response, "request-id");
        if (response.IsSuccessStatusCode)
        {
            // The receipt binds the answer to the connection that carried it and to the body bytes as they arrive. A
            // handler that does not report its connections (none in the server) leaves the URL's host and port, no key.
            var carrier = connection.Connection ?? new UpstreamConnection(request.RequestUri!.IdnHost, request.RequestUri.Port, null);
            return UpstreamCall.Succeeded(response, upstreamRequestId, carrier, UpstreamResponseDigest.Attach(response));
        }

        using (response)
        {
            var error = await ReadErrorAsync(response, target, cancellationToken);
            return UpstreamCall.Failed(error, upstreamRequestId);
        }
    }

    /// <summary>
    /// The upstream's own model list (<c>GET models</c>, in every dialect Warden speaks), for <c>warden channels models</c>:
    /// the ids it names, or the error. Not on the request path.
    /// </summary>
    public async Task<(IReadOnlyList<string>? Models, UpstreamError? Error)> ListModelsAsync(UpstreamTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        string path = target.Profile.RequestQuery is { } query ? "models?" + query : "models";
        using var request = new HttpRequestMessage(HttpMethod.Get, Resolve(target.BaseUrl, path));
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Options.Set(UpstreamTarget.AllowPrivateNetworkOption, target.AllowPrivateNetwork);
        Dialects.WireDialects.For(target.Profile.Dialect).AddVersionHeaders(request.Headers, null, null);

        AddCredential(request, target);
        HttpResponseMessage response;
        try
        {
            var client = target.AllowPrivateNetwork ? privateNetworkHttp : http;
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return (null, new UpstreamError(UpstreamErrorKind.ConnectFailed, $"Could not reach the upstream provider ({ex.HttpRequestError})."));
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                return (null, await ReadErrorAsync(response, target, cancellationToken));
            }

            byte[] bytes = await HttpContentReader.ReadBoundedAsync(response.Content, 4 * 1024 * 1024, cancellationToken);
            return ModelListReader.Read(bytes) is { } models
                ? (models, null)
                : (null, new UpstreamError(UpstreamErrorKind.ProtocolViolation, "The upstream's model list is not in a shape Warden knows."));
        }
    }

    private static void AddCredential(HttpRequestMessage request, UpstreamTarget target)
    {
        if (string.IsNullOrEmpty(target.Credential))
        {
            return;
        }

        switch (target.Profile.Auth)
        {
            case AuthScheme.Bearer:
                request.Headers.TryAddWithoutValidation("Authorization", target.BearerAuthorization);
                break;
            case AuthScheme.XApiKey:
                request.Headers.TryAddWithoutValidation("x-api-key", target.Credential);
                break;
            case AuthScheme.GoogApiKey:
                request.Headers.TryAddWithoutValidation("x-goog-api-key", target.Credential);
                break;
            case AuthScheme.AzureApiKey:
                request.Headers.TryAddWithoutValidation("api-key", target.Credential);
                break;
            default:
                break;
        }
    }

    private static Uri Resolve(Uri baseUrl, string path)
    {
        if (Uris.TryGetValue((baseUrl.OriginalString, path), out var cached))
        {
            return cached;
        }

        if (Uris.Count >= MaxCachedUris)
        {
            Uris.Clear();
        }

        return Uris.GetOrAdd((baseUrl.OriginalString, path), static (key, root) => new Uri(root, key.Path), baseUrl);
    }

    private static async Task<UpstreamError> ReadErrorAsync(HttpResponseMessage response, UpstreamTarget target, CancellationToken cancellationToken)
    {
        int status = (int)response.StatusCode;
        var kind = UpstreamErrorPolicy.Classify(status);
        TimeSpan? retryAfter = ReadRetryAfter(response);

        OpenAIErrorBody? body = null;
        try
        {
            byte[] bytes = await HttpContentReader.ReadBoundedAsync(response.Content, MaxErrorBodyBytes, cancellationToken);
            body = OpenAIErrorBody.TryRead(bytes);
        }
        catch (HttpRequestException)
        {
            // The status alone classifies the failure; a broken error body adds nothing.
        }

        // Only a rejected request is the client's to fix, so only then is the upstream's explanation passed on.
        // Credential errors are the operator's: their upstream text may quote part of the key.
        string message = kind switch
        {
            UpstreamErrorKind.RequestRejected when body?.Message is { Length: > 0 } m => Scrub(m, target.Credential),
            UpstreamErrorKind.RequestRejected => $"The upstream provider rejected the request (HTTP {status}).",
            UpstreamErrorKind.RateLimited => "The upstream provider is rate limiting this model; retry after the delay given.",
            UpstreamErrorKind.Overloaded => $"The upstream provider is overloaded or unavailable (HTTP {status}); retry after the delay given.",
            UpstreamErrorKind.CredentialRejected => "The upstream provider refused this channel's credential; the operator has been told.",
            _ => $"The upstream provider failed (HTTP {status}).",
        };
        return new UpstreamError(kind, message, status, retryAfter, body?.Param, kind == UpstreamErrorKind.RequestRejected ? body?.Code : null);
    }

    /// <summary>Retry-After as seconds or an HTTP date, or OpenAI's retry-after-ms.</summary>
    private static TimeSpan? ReadRetryAfter(HttpResponseMessage response)
    {
        if (FirstHeader(response, "retry-after-ms") is { } ms && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out double millis) && millis >= 0)
        {
            return TimeSpan.FromMilliseconds(millis);
        }

        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date && response.Headers.Date is { } now)
        {
            var wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static string? FirstHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static string Scrub(string message, string? credential) =>
        string.IsNullOrEmpty(credential) ? message : message.Replace(credential, "***", StringComparison.Ordinal);
}
