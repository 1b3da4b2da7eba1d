using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Audit.Clients;

/// <summary>
/// What the four protocol clients share: sending one request with the protocol's credentials, timing it, keeping the
/// status, headers (trailers too) and body bytes as evidence, and turning every failure (connection, timeout, error
/// status, a body that is not the protocol's JSON or SSE) into a failed <see cref="AuditReply"/> instead of an exception.
/// A subclass says how its protocol writes a prompt and reads an answer, complete or streamed.
/// </summary>
internal abstract class AuditHttpTarget : IAuditTarget
{
    private const int ModelPages = 20; // a bound on following a paged model list
    private readonly AuditHttp _http;
    private readonly string _apiKey;
    private int _requests;
    private long _tokens;

    protected AuditHttpTarget(string label, Uri baseUrl, string model, string apiKey, AuditHttp http)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        Label = label;
        BaseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        Model = model;
        _apiKey = apiKey;
        _http = http;
    }

    public string Label { get; }

    public Uri BaseUrl { get; }

    public string Model { get; }

    public abstract AuditProtocol Protocol { get; }

    public int RequestsSent => Volatile.Read(ref _requests);

    public long TokensSpent => Interlocked.Read(ref _tokens);

    /// <summary>The URL a prompt is posted to, relative to <see cref="BaseUrl"/>.</summary>
    protected abstract string RequestPath(bool stream);

    /// <summary>The model list, relative to <see cref="BaseUrl"/>, with the page token when there is one.</summary>
    protected abstract string ModelsPath(string? pageToken);

    protected abstract void Authenticate(HttpRequestHeaders headers, string apiKey);

    /// <summary>Whether the protocol has a second way to send the key, tried for the model list when the first was refused.</summary>
    protected virtual bool HasAlternateAuthentication => false;

    protected virtual void AuthenticateAlternately(HttpRequestHeaders headers, string apiKey)
    {
    }

    protected abstract void WriteRequest(Utf8JsonWriter writer, AuditPrompt prompt);

    /// <summary>A complete (non-streamed) answer; Status is filled by the caller.</summary>
    protected abstract AuditReply ReadComplete(JsonElement root);

    /// <summary>A streamed answer's events in order; Status is filled by the caller.</summary>
    protected abstract AuditReply ReadStream(IEnumerable<SseItem<string>> events);

    /// <summary>The model's entry in one page of the model list, and the token of the next page.</summary>
    protected abstract (JsonElement? Entry, string? NextPage) FindModel(JsonElement root);

    public async Task<AuditReply> SendAsync(AuditPrompt prompt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var body = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(body))
        {
            WriteRequest(writer, prompt);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl, RequestPath(prompt.Stream)))
        {
            Content = new ByteArrayContent(body.WrittenSpan.ToArray()),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd(prompt.Stream ? "text/event-stream" : "application/json");
        Authenticate(request.Headers, _apiKey);
        Interlocked.Increment(ref _requests);

        var (status, headers, bytes, elapsed, failure) = await ExchangeAsync(request, cancellationToken);
        AuditReply reply;
        if (failure is not null)
        {
            reply = new AuditReply { Status = status, Error = failure };
        }
        else if (status is < 200 or >= 300)
        {
            reply = new AuditReply { Status = status, Error = string.Create(CultureInfo.InvariantCulture, $"HTTP {status}: {AuditJson.ErrorMessage(bytes) ?? "no error message"}") };
        }
        else
        {
            reply = Read(bytes, prompt.Stream && IsEventStream(headers)) with { Status = status };
        }

        reply = reply with { Headers = headers, Body = bytes, Elapsed = elapsed };
        long spent = checked((reply.InputTokens ?? 0) + (reply.OutputTokens ?? 0));
        Interlocked.Add(ref _tokens, spent);
        return reply;
    }

    public async Task<AuditModelInfo?> DescribeModelAsync(CancellationToken cancellationToken)
    {
        string? page = null;
        bool alternate = false;
        for (int i = 0; i < ModelPages; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUrl, ModelsPath(page)));
            if (!alternate)
            {
                Authenticate(request.Headers, _apiKey);
            }
            else
            {
                AuthenticateAlternately(request.Headers, _apiKey);
            }

            var (status, _, bytes, _, failure) = await ExchangeAsync(request, cancellationToken);
            if (failure is null && (status is 401 or 403) && !alternate && HasAlternateAuthentication)
            {
                alternate = true;
                i--;
                continue;
            }
            if (failure is not null || status != 200)
            {
                return null;
            }

            try
            {
                using var document = JsonDocument.Parse(bytes);
                var (entry, next) = FindModel(document.RootElement);
                if (entry is { } found)
                {
                    return new AuditModelInfo(
                        Model,
                        AuditJson.String(found, "owned_by"),
                        AuditJson.FirstLong(found, "context_window", "context_length", "max_context_length", "input_token_limit", "inputTokenLimit", "max_input_tokens"),
                        AuditJson.FirstLong(found, "max_output_tokens", "outputTokenLimit", "output_token_limit", "max_completion_tokens", "max_tokens"));
                }

                if (string.IsNullOrEmpty(next) || next == page)
                {
                    return null;
                }

                page = next;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return null;
    }

    public async Task<(int Status, string Body)> GetAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        var origin = new Uri(BaseUrl.GetLeftPart(UriPartial.Authority) + "/");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(origin, pathAndQuery.TrimStart('/')));
        Authenticate(request.Headers, _apiKey);
        var (status, _, bytes, _, failure) = await ExchangeAsync(request, cancellationToken);
        return (failure is null ? status : 0, Encoding.UTF8.GetString(bytes));
    }

    /// <summary>One exchange under the request timeout. Only the caller's own cancellation escapes as an exception.</summary>
    private async Task<(int Status, Dictionary<string, string> Headers, byte[] Body, TimeSpan Elapsed, string? Failure)> ExchangeAsync(
        HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        long started = _http.Time.GetTimestamp();
        using var timeout = new CancellationTokenSource(_http.RequestTimeout, _http.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        int status = 0;
        try
        {
            using var response = await _http.SendAsync(request, linked.Token);
            status = (int)response.StatusCode;
            AddHeaders(headers, response.Headers);
            AddHeaders(headers, response.Content.Headers);
            byte[] body = await response.Content.ReadAsByteArrayAsync(linked.Token);
            AddHeaders(headers, response.TrailingHeaders);
            return (status, headers, body, _http.Time.GetElapsedTime(started), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            string what = status == 0 ? "no answer" : "the body did not end";
            return (status, headers, [], _http.Time.GetElapsedTime(started),
                string.Create(CultureInfo.InvariantCulture, $"{what} within {_http.RequestTimeout.TotalSeconds:0.#} s"));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            string what = status == 0 ? "could not connect" : "the body broke off";
            return (status, headers, [], _http.Time.GetElapsedTime(started), $"{what}: {ex.Message}");
        }
    }

    private AuditReply Read(byte[] body, bool stream)
    {
        try
        {
            if (stream)
            {
                var parser = SseParser.Create(new MemoryStream(body, writable: false), static (_, data) => Encoding.UTF8.GetString(data));
                return ReadStream(parser.Enumerate());
            }

            using var document = JsonDocument.Parse(body);
            return ReadComplete(document.RootElement);
        }
        catch (JsonException ex)
        {
            return new AuditReply { Status = 0, Error = "the answer is not valid JSON: " + ex.Message };
        }
    }

    private static bool IsEventStream(Dictionary<string, string> headers) =>
        headers.TryGetValue("content-type", out string? type) && type.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase);

    private static void AddHeaders(Dictionary<string, string> into, HttpHeaders headers)
    {
        foreach (var (name, values) in headers)
        {
            into[name.ToLowerInvariant()] = string.Join(", ", values);
        }
    }

    /// <summary>Writes an optional temperature and the function tools in OpenAI's flat (Responses) or nested (Chat) shape.</summary>
    protected static void WriteTemperature(Utf8JsonWriter writer, string name, double? temperature)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (temperature is { } value)
        {
            writer.WriteNumber(name, value);
        }
    }

    /// <summary>The system messages joined, for the protocols that carry the system prompt outside the turns.</summary>
    protected static string? SystemText(AuditPrompt prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var parts = prompt.Messages.Where(static m => m.Role == "system").Select(static m => m.Text).ToList();
        return parts.Count == 0 ? null : string.Join("\n\n", parts);
    }
}
