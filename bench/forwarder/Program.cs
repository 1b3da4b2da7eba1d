using System.Globalization;

// bench-forwarder PORT UPSTREAM_PORT: listens on 127.0.0.1:PORT and forwards every request to the upstream on
// 127.0.0.1:UPSTREAM_PORT (bench/README.md, "Anchors"). It forwards the method, path, body and the few headers the
// simulator reads, and copies the answer back as it arrives (no buffering), flushing after each read so a stream's
// events leave as they come. No auth, no parsing, no logging: the least a .NET relay can do.
int port = int.Parse(args[0], CultureInfo.InvariantCulture);
int upstreamPort = int.Parse(args[1], CultureInfo.InvariantCulture);
var upstream = new Uri($"http://127.0.0.1:{upstreamPort}");

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
var app = builder.Build();

// One pooled connection set, as any relay keeps. The invoker is HttpClient without its extra layers: it returns once the
// headers are in and leaves the body to be read as it arrives (what HttpClient calls ResponseHeadersRead).
using var invoker = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    UseCookies = false,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
    MaxConnectionsPerServer = 1024,
});

string[] forwarded = ["Authorization", "x-api-key", "anthropic-version", "x-goog-api-key"];

app.Run(async context =>
{
    var request = context.Request;
    using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(upstream, request.Path + request.QueryString));
    foreach (string name in forwarded)
    {
        if (request.Headers.TryGetValue(name, out var value))
        {
            message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
        }
    }

    if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
    {
        message.Content = new StreamContent(request.Body);
        if (request.ContentType is { } contentType)
        {
            message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (request.ContentLength is { } length)
        {
            message.Content.Headers.ContentLength = length;
        }
    }

    using var answer = await invoker.SendAsync(message, context.RequestAborted);
    var response = context.Response;
    response.StatusCode = (int)answer.StatusCode;
    if (answer.Content.Headers.ContentType is { } type)
    {
        response.ContentType = type.ToString();
    }

    if (answer.Content.Headers.ContentLength is { } answerLength)
    {
        response.ContentLength = answerLength;
    }

    await using var body = await answer.Content.ReadAsStreamAsync(context.RequestAborted);
    byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
    try
    {
        int read;
        while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            await response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
        }
    }
    finally
    {
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    }
});

await app.RunAsync();
