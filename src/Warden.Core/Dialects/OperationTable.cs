using Warden.Core.Canonical;

namespace Warden.Core.Dialects;

/// <summary>How one dialect supports one operation.</summary>
public enum OperationSupport
{
    /// <summary>Not served: the route answers 404 or the call is refused.</summary>
    Refused,

    /// <summary>Served by channels of the same dialect only, bytes passed through (or answered by Warden itself).</summary>
    Native,

    /// <summary>Served by channels of the same dialect (passed through) and of any other dialect whose cell is also translated.</summary>
    Translated,
}

/// <summary>One cell of the operation × dialect table.</summary>
/// <param name="Support">Whether the operation is served, and how.</param>
/// <param name="Note">Why, or what is special (shown in docs/compatibility.md and in refusals).</param>
public sealed record OperationCell(OperationSupport Support, string Note)
{
    /// <summary>The cell of an operation that has no endpoint yet.</summary>
    public static OperationCell NotBuilt { get; } = new(OperationSupport.Refused, "not built");
}

/// <summary>
/// The operation × dialect table: each dialect declares the operations it serves (<see cref="WireDialect.Operations"/>);
/// an operation it does not declare is refused as not built. The pipeline asks it which upstreams may serve a call.
/// </summary>
public static class OperationTable
{
    public static OperationCell Cell(ApiOperation operation, WireDialectName dialect) =>
        WireDialects.For(dialect).Operations.TryGetValue(operation, out var cell) ? cell : OperationCell.NotBuilt;

    /// <summary>
    /// Whether a call of <paramref name="operation"/> from a client of <paramref name="client"/> may go to an upstream
    /// of <paramref name="upstream"/>: the same dialect when the client's cell is served, another only when both cells translate.
    /// </summary>
    public static bool CanServe(ApiOperation operation, WireDialectName client, WireDialectName upstream)
    {
        var clientCell = Cell(operation, client).Support;
        if (clientCell == OperationSupport.Refused)
        {
            return false;
        }

        return client == upstream
            || (clientCell == OperationSupport.Translated && Cell(operation, upstream).Support == OperationSupport.Translated);
    }

    /// <summary>The operation's name on the wire and in docs ("images.generations").</summary>
    public static string NameOf(ApiOperation operation) => operation switch
    {
        ApiOperation.Chat => "chat",
        ApiOperation.CountTokens => "count_tokens",
        ApiOperation.Embeddings => "embeddings",
        ApiOperation.ImagesGenerations => "images.generations",
        ApiOperation.ImagesEdits => "images.edits",
        ApiOperation.AudioTranscriptions => "audio.transcriptions",
        ApiOperation.AudioTranslations => "audio.translations",
        ApiOperation.AudioSpeech => "audio.speech",
        ApiOperation.Moderations => "moderations",
        ApiOperation.Completions => "completions",
        ApiOperation.Rerank => "rerank",
        ApiOperation.ModelsList => "models.list",
        ApiOperation.ModelsRetrieve => "models.retrieve",
        _ => operation.ToString(),
    };
}
