using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace Warden.Server.Tests.Residency;

/// <summary>
/// A real Kestrel upstream on 127.0.0.1 speaking OpenAI Chat Completions that keeps every body it received and answers
/// with the last user text it was sent, as text and (when the request declared tools) as the arguments of a call to
/// its first tool: <c>{"note": text}</c>. Streamed, the text and the arguments go out in three-character pieces, so a
/// placeholder is always cut across events. It shows exactly what an upstream was sent, independent of Warden's account.
/// </summary>
internal sealed class EchoUpstream : IAsyncDisposable
{
    private const int Piece = 3;
    private readonly WebApplication _app;

    private EchoUpstream(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The base URL to give a channel (ends in /v1/).</summary>
    public Uri Url { get; }

    /// <summary>Every request body received, in order.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    public static async Task<EchoUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        EchoUpstream? self = null;
        app.MapPost("/v1/chat/completions", async context => await self!.AnswerAsync(context));
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new EchoUpstream(app, new Uri(address.TrimEnd('/') + "/v1/"));
        return self;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        string body = await reader.ReadToEndAsync();
        Received.Enqueue(body);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        string model = root.GetProperty("model").GetString()!;
        bool stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        string text = LastUserText(root);
        string? tool = root.TryGetProperty("tools", out var tools) && tools.GetArrayLength() > 0
            ? tools[0].GetProperty("function").GetProperty("name").GetString()
            : null;
        string arguments = JsonSerializer.Serialize(new Dictionary<string, string> { ["note"] = text }, EchoJson.Default.DictionaryStringString);

        if (!stream)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Complete(model, text, tool, arguments));
            return;
        }

        context.Response.ContentType = "text/event-stream";
        await WriteEventAsync(context, Chunk(model, w =>
        {
            w.WriteString("role", "assistant");
            w.WriteString("content", "");
        }));
        foreach (string piece in Pieces(text))
        {
            await WriteEventAsync(context, Chunk(model, w => w.WriteString("content", piece)));
        }

        if (tool is not null)
        {
            bool first = true;
            foreach (string piece in Pieces(arguments))
            {
                bool opening = first;
                first = false;
                await WriteEventAsync(context, Chunk(model, w =>
                {
                    w.WriteStartArray("tool_calls");
                    w.WriteStartObject();
                    w.WriteNumber("index", 0);
                    if (opening)
                    {
                        w.WriteString("id", "call_echo");
                        w.WriteString("type", "function");
                    }

                    w.WriteStartObject("function");
                    if (opening)
                    {
                        w.WriteString("name", tool);
                    }

                    w.WriteString("arguments", piece);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                }));
            }
        }

        await WriteEventAsync(context, Chunk(model, _ => { }, tool is null ? "stop" : "tool_calls"));
        await WriteEventAsync(context, Chunk(model, null, null, usage: true));
        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static IEnumerable<string> Pieces(string text)
    {
        for (int i = 0; i < text.Length; i += Piece)
        {
            yield return text.Substring(i, Math.Min(Piece, text.Length - i));
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string json)
    {
        await context.Response.WriteAsync("data: " + json + "\n\n");
        await context.Response.Body.FlushAsync();
    }

    private static string LastUserText(JsonElement root)
    {
        string text = "";
        foreach (var message in root.GetProperty("messages").EnumerateArray())
        {
            if (message.GetProperty("role").GetString() != "user")
            {
                continue;
            }

            var content = message.GetProperty("content");
            text = content.ValueKind == JsonValueKind.String
                ? content.GetString()!
                : string.Concat(content.EnumerateArray().Where(p => p.GetProperty("type").GetString() == "text").Select(p => p.GetProperty("text").GetString()));
        }

        return text;
    }

    private static string Complete(string model, string text, string? tool, string arguments) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", "chatcmpl-echo");
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", 1_765_000_000);
        w.WriteString("model", model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        w.WriteString("content", text);
        if (tool is not null)
        {
            w.WriteStartArray("tool_calls");
            w.WriteStartObject();
            w.WriteString("id", "call_echo");
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", tool);
            w.WriteString("arguments", arguments);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WriteString("finish_reason", tool is null ? "stop" : "tool_calls");
        w.WriteEndObject();
        w.WriteEndArray();
        WriteUsage(w);
        w.WriteEndObject();
    });

    private static string Chunk(string model, Action<Utf8JsonWriter>? delta, string? finish = null, bool usage = false) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", "chatcmpl-echo");
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", 1_765_000_000);
        w.WriteString("model", model);
        w.WriteStartArray("choices");
        if (delta is not null)
        {
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("delta");
            delta(w);
            w.WriteEndObject();
            if (finish is null)
            {
                w.WriteNull("finish_reason");
            }
            else
            {
                w.WriteString("finish_reason", finish);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (usage)
        {
            WriteUsage(w);
        }

        w.WriteEndObject();
    });

    private static void WriteUsage(Utf8JsonWriter w)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", 20);
        w.WriteNumber("completion_tokens", 20);
        w.WriteNumber("total_tokens", 40);
        w.WriteEndObject();
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class EchoJson : System.Text.Json.Serialization.JsonSerializerContext;
