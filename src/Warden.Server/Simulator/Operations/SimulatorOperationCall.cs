using System.Buffers;
using System.Text.Json;

namespace Warden.Server.Simulator.Operations;

/// <summary>
/// One request to an operation endpoint: what it answers with (JSON, text or bytes, or an error in the dialect's shape)
/// and what its journal entry will say. Operation handlers are short functions over this.
/// </summary>
internal sealed class SimulatorOperationCall(HttpContext context, SimulatorDialect dialect, string operation, TimeProvider time, int chunkChars, TimeSpan pace, CancellationToken cancellationToken)
{
    public HttpContext Context { get; } = context;

    public SimulatorDialect Dialect { get; } = dialect;

    /// <summary>The journal's name for the operation ("embeddings", "gemini.embedContent", ...).</summary>
    public string Operation { get; } = operation;

    public TimeProvider Time { get; } = time;

    public int ChunkChars { get; } = chunkChars;

    /// <summary>The pause between streamed events (the simulator's chunk delay).</summary>
    public TimeSpan Pace { get; } = pace;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public string Id => SimulatorRequestId.Get(Context);

    public long Created { get; } = time.GetUtcNow().ToUnixTimeSeconds();

    public string? Model { get; set; }

    public bool Stream { get; set; }

    public bool IncludeUsage { get; set; }

    public SimulatorUsage? Usage { get; set; }

    public int StatusCode { get; private set; }

    public SimulatorOutcome Outcome { get; private set; } = SimulatorOutcome.Completed;

    /// <summary>The body as one JSON object, or null after answering the dialect's malformed-JSON error.</summary>
    public async Task<JsonDocument?> ReadJsonAsync()
    {
        try
        {
            var document = await JsonDocument.ParseAsync(Context.Request.Body, default, CancellationToken);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException)
        {
        }

        await RejectAsync(SimulatorError.MalformedJson());
        return null;
    }

    /// <summary>The multipart form, or null after answering a 400 that says a multipart body was expected.</summary>
    public async Task<IFormCollection?> ReadFormAsync()
    {
        if (!Context.Request.HasFormContentType || !(Context.Request.ContentType ?? "").StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            await RejectAsync(SimulatorError.BadRequest("This endpoint takes a multipart/form-data body.", null, "invalid_content_type"));
            return null;
        }

        try
        {
            return await Context.Request.ReadFormAsync(CancellationToken);
        }
        catch (InvalidDataException exception)
        {
            await RejectAsync(SimulatorError.BadRequest("The multipart body could not be read: " + exception.Message, null, "invalid_multipart"));
            return null;
        }
    }

    public Task RejectAsync(SimulatorError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Outcome = SimulatorOutcome.Rejected;
        StatusCode = error.StatusCode;
        return SimulatorResponses.WriteErrorAsync(Context, Dialect, error, CancellationToken);
    }

    /// <summary>An injected error-status fault: answered like a rejection but journaled as a fault.</summary>
    public Task FaultAsync(SimulatorError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Outcome = SimulatorOutcome.Faulted;
        StatusCode = error.StatusCode;
        return SimulatorResponses.WriteErrorAsync(Context, Dialect, error, CancellationToken);
    }

    public Task WriteJsonAsync(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, ChatCompletionJson.WriterOptions))
        {
            write(writer);
        }

        StatusCode = StatusCodes.Status200OK;
        return SimulatorResponses.WriteAsync(Context.Response, StatusCodes.Status200OK, buffer.WrittenMemory, CancellationToken);
    }

    public async Task WriteTextAsync(string text, string contentType)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        StatusCode = StatusCodes.Status200OK;
        Context.Response.StatusCode = StatusCodes.Status200OK;
        Context.Response.ContentType = contentType;
        Context.Response.ContentLength = bytes.Length;
        await Context.Response.BodyWriter.WriteAsync(bytes, CancellationToken);
    }

    /// <summary>Marks the start of a 200 answer written by the handler itself (a stream or binary body).</summary>
    public void Started() => StatusCode = StatusCodes.Status200OK;

    public void Interrupted(SimulatorOutcome outcome) => Outcome = outcome;

    public SimulatorJournalEntry ToEntry(DateTimeOffset receivedAt, DateTimeOffset finishedAt, string? fault, string? faultPrefix) =>
        new(Id, Model, Stream, IncludeUsage, fault, Outcome, StatusCode, Usage, receivedAt, finishedAt, Operation, FaultPrefix: faultPrefix);
}
