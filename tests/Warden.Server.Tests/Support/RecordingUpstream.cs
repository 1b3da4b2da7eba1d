using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Warden.Server.Tests.Support;

/// <summary>
/// A minimal OpenAI Chat upstream on 127.0.0.1 (plain http, or TLS with the given certificate) that keeps every response
/// body it sent, byte for byte, so a test can compare a receipt's upstream hash with what really went out. Each answer
/// carries a fresh nonce and is written in several pieces without a Content-Length (chunked transfer encoding), so the
/// body hash is taken after transfer decoding.
/// </summary>
internal sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, X509Certificate2> _certificateOf = new(StringComparer.Ordinal);
    private readonly int _holdUntil;
    private readonly TaskCompletionSource _enoughArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _arrived;

    private RecordingUpstream(WebApplication app, Uri rootUrl, int holdUntil)
    {
        _app = app;
        RootUrl = rootUrl;
        _holdUntil = holdUntil;
    }

    public const string Model = "rec-model";

    public Uri RootUrl { get; }

    public Uri BaseUrl => new(RootUrl, "v1/");

    /// <summary>Every response body sent, in order, with the certificate of the TLS connection it went out on.</summary>
    public ConcurrentQueue<(byte[] Body, X509Certificate2? Certificate)> Sent { get; } = new();

    /// <summary>
    /// Starts the upstream. With certificates it speaks TLS and hands them out in turn, one per new connection, so
    /// connections to the same host and port present different keys. With <paramref name="holdUntil"/> above 1, each
    /// of the first answers waits until that many requests have arrived (bounded), so a client must open that many
    /// connections at once.
    /// </summary>
    public static async Task<RecordingUpstream> StartAsync(X509Certificate2[]? certificates = null, int holdUntil = 0)
    {
        RecordingUpstream? self = null;
        int connections = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificates is { Length: > 0 })
                {
                    listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions
                    {
                        ServerCertificateSelector = (connection, _) =>
                        {
                            var chosen = certificates[(Interlocked.Increment(ref connections) - 1) % certificates.Length];
                            self!._certificateOf[connection!.ConnectionId] = chosen;
                            return chosen;
                        },
                    });
                }
            });
        });
        var app = builder.Build();
        app.Run(context => self!.AnswerAsync(context));
        await app.StartAsync();
        string address = app.Urls.Single();
        self = new RecordingUpstream(app, new Uri(address.TrimEnd('/') + "/"), holdUntil);
        return self;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        string request = await reader.ReadToEndAsync(context.RequestAborted);
        bool stream = request.Contains("\"stream\":true", StringComparison.Ordinal);
        string nonce = Guid.NewGuid().ToString("N");
        string[] pieces = stream
            ?
            [
                $"data: {{\"id\":\"chatcmpl-{nonce}\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"{Model}\",\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":\"{nonce}\"}},\"finish_reason\":null}}]}}\n\n",
                $"data: {{\"id\":\"chatcmpl-{nonce}\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"{Model}\",\"choices\":[{{\"index\":0,\"delta\":{{}},\"finish_reason\":\"stop\"}}]}}\n\n",
                $"data: {{\"id\":\"chatcmpl-{nonce}\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"{Model}\",\"choices\":[],\"usage\":{{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}}}\n\n",
                "data: [DONE]\n\n",
            ]
            :
            [
                $"{{\"id\":\"chatcmpl-{nonce}\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"{Model}\",",
                $"\"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assistant\",\"content\":\"{nonce}\"}},\"finish_reason\":\"stop\"}}],",
                "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}",
            ];
        if (Interlocked.Increment(ref _arrived) >= _holdUntil)
        {
            _enoughArrived.TrySetResult();
        }

        await _enoughArrived.Task.WaitAsync(TimeSpan.FromSeconds(30), context.RequestAborted);

        // Recorded before anything goes out: a client that read the whole answer finds it here.
        _certificateOf.TryGetValue(context.Connection.Id, out var certificate);
        Sent.Enqueue((Encoding.UTF8.GetBytes(string.Concat(pieces)), certificate));
        context.Response.ContentType = stream ? "text/event-stream" : "application/json";
        foreach (string piece in pieces)
        {
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(piece), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    /// <summary>The recorded answer that carries <paramref name="nonce"/>.</summary>
    public (byte[] Body, X509Certificate2? Certificate) SentWith(string nonce) =>
        Sent.Single(s => Encoding.UTF8.GetString(s.Body).Contains(nonce, StringComparison.Ordinal));

    /// <summary>The nonce of an answer (the text after "chatcmpl-").</summary>
    public static string NonceOf(ReadOnlySpan<byte> body)
    {
        string text = Encoding.UTF8.GetString(body);
        int at = text.IndexOf("chatcmpl-", StringComparison.Ordinal) + "chatcmpl-".Length;
        return text.Substring(at, 32);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
