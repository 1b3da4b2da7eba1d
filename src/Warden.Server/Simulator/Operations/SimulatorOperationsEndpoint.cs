namespace Warden.Server.Simulator.Operations;

/// <summary>
/// The routes of every operation besides chat (issue 22): embeddings, images, audio, moderations, legacy completions,
/// rerank, and Gemini's embedContent/batchEmbedContents. Each request gets the faults that make sense without a stream
/// (an invalid fault is refused, latency-N waits, an error-status fault answers instead) and ends in one journal entry
/// whose dialect field names the operation.
/// </summary>
internal sealed class SimulatorOperationsEndpoint(SimulatorOptions options, SimulatorJournal journal, CancellationToken stopping)
{
    public void Map(IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapPost("/v1/embeddings", context => RunAsync(context, SimulatorEmbeddings.Operation, SimulatorEmbeddings.OpenAIAsync));
        routes.MapPost("/v1/images/generations", context => RunAsync(context, SimulatorImages.Operation, SimulatorImages.GenerateAsync));
        routes.MapPost("/v1/images/edits", context => RunAsync(context, SimulatorImages.Operation, SimulatorImages.EditAsync));
        routes.MapPost("/v1/audio/transcriptions", context => RunAsync(context, SimulatorAudio.TranscriptionOperation, call => SimulatorAudio.TranscribeAsync(call, translate: false)));
        routes.MapPost("/v1/audio/translations", context => RunAsync(context, "audio.translations", call => SimulatorAudio.TranscribeAsync(call, translate: true)));
        routes.MapPost("/v1/audio/speech", context => RunAsync(context, SimulatorAudio.SpeechOperation, SimulatorAudio.SpeakAsync));
        routes.MapPost("/v1/moderations", context => RunAsync(context, SimulatorModerations.Operation, SimulatorModerations.HandleAsync));
        routes.MapPost("/v1/completions", context => RunAsync(context, SimulatorLegacyCompletions.Operation, SimulatorLegacyCompletions.HandleAsync));
        routes.MapPost("/v1/rerank", context => RunAsync(context, SimulatorRerank.Operation, SimulatorRerank.HandleAsync));
        routes.MapPost("/v2/rerank", context => RunAsync(context, SimulatorRerank.Operation, SimulatorRerank.HandleAsync));
    }

    /// <summary>Gemini's embedding methods on /v1beta/models/{model}:{method}; false when the method is not one of them.</summary>
    public bool TryHandleGemini(HttpContext context, string model, string method, out Task handled)
    {
        handled = method switch
        {
            "embedContent" => RunAsync(context, "gemini.embedContent", call => SimulatorEmbeddings.GeminiAsync(call, model, batch: false)),
            "batchEmbedContents" => RunAsync(context, "gemini.batchEmbedContents", call => SimulatorEmbeddings.GeminiAsync(call, model, batch: true)),
            _ => Task.CompletedTask,
        };
        return method is "embedContent" or "batchEmbedContents";
    }

    private async Task RunAsync(HttpContext context, string operation, Func<SimulatorOperationCall, Task> handle)
    {
        var receivedAt = options.Time.GetUtcNow();
        var dialect = SimulatorDialects.FromPath(context.Request.Path);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var call = new SimulatorOperationCall(context, dialect, operation, options.Time, options.ChunkChars, TimeSpan.FromMilliseconds(options.ChunkDelayMs), cancellation.Token);
        var pathFaults = SimulatorPathFaults.Get(context);
        string? faultDescription = null;
        try
        {
            var header = context.Request.Headers[SimulatorFaultPlan.HeaderName].ToString();
            if (pathFaults?.Error is { } pathError)
            {
                await call.RejectAsync(SimulatorError.UnknownFault(pathError));
                return;
            }

            if (!SimulatorFaultPlan.TryCreate(pathFaults?.Faults ?? [], [], header, out var faults, out var faultError))
            {
                await call.RejectAsync(SimulatorError.UnknownFault(faultError));
                return;
            }

            faultDescription = faults.Description;
            if (faults.LatencyMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(faults.LatencyMs), options.Time, cancellation.Token);
            }

            if (faults.ErrorStatus is { } status)
            {
                await call.FaultAsync(SimulatorError.FromFault(status));
                return;
            }

            await handle(call);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            call.Interrupted(context.RequestAborted.IsCancellationRequested ? SimulatorOutcome.ClientCancelled : SimulatorOutcome.ServerStopped);
        }
        catch (IOException) when (context.RequestAborted.IsCancellationRequested || call.StatusCode != 0)
        {
            call.Interrupted(SimulatorOutcome.ClientCancelled);
        }
        catch (BadHttpRequestException exception) when (!context.Response.HasStarted)
        {
            await call.RejectAsync(SimulatorError.Status(exception.StatusCode, "The request body could not be read: " + exception.Message));
        }
        finally
        {
            journal.Add(call.ToEntry(receivedAt, options.Time.GetUtcNow(), faultDescription, pathFaults?.Prefix));
        }
    }
}
