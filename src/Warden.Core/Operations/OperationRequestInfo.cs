namespace Warden.Core.Operations;

/// <summary>
/// What routing, limits and billing need from an operation's request, read in one pass. Counts that do not apply to
/// the operation are 0 or null.
/// </summary>
/// <param name="Kind">The operation.</param>
/// <param name="Model">The body's <c>model</c>; null where it is optional and absent (moderations, images, Gemini).</param>
/// <param name="Stream">Whether the client asked for SSE (completions).</param>
/// <param name="IncludeUsage">Completions' <c>stream_options.include_usage</c>; null when absent.</param>
/// <param name="Inputs">Inputs: embedding inputs, moderation inputs, completion prompts, Gemini requests.</param>
/// <param name="InputCharacters">UTF-16 characters of text input (speech: Unicode scalar values, as billed).</param>
/// <param name="InputTokens">Tokens sent as token-id arrays (embeddings and completions).</param>
/// <param name="Images">Images asked for (<c>n</c>, default 1).</param>
/// <param name="ImageSize">The requested <c>size</c>, when given.</param>
/// <param name="ImageQuality">The requested <c>quality</c>, when given.</param>
/// <param name="ResponseFormat">The requested <c>response_format</c>, when given.</param>
/// <param name="Documents">Rerank documents.</param>
/// <param name="MaxOutputTokens">Completions' <c>max_tokens</c> (default 16, as OpenAI's) times the choices asked for.</param>
/// <param name="Dimensions">Embeddings' <c>dimensions</c> or Gemini's <c>outputDimensionality</c>.</param>
/// <param name="EncodingFormat">Embeddings' <c>encoding_format</c>.</param>
public sealed record OperationRequestInfo(
    OperationKind Kind,
    string? Model,
    bool Stream,
    bool? IncludeUsage,
    int Inputs,
    long InputCharacters,
    long InputTokens,
    int Images,
    string? ImageSize,
    string? ImageQuality,
    string? ResponseFormat,
    int Documents,
    long? MaxOutputTokens,
    int? Dimensions,
    string? EncodingFormat)
{
    /// <summary>Documents one Cohere search unit covers: a query with up to 100 documents is one unit.</summary>
    public const int DocumentsPerSearchUnit = 100;

    /// <summary>Cohere search units a rerank request uses (one per started hundred documents); 0 for other operations.</summary>
    public int SearchUnits => Kind == OperationKind.Rerank ? Math.Max(1, (Documents + DocumentsPerSearchUnit - 1) / DocumentsPerSearchUnit) : 0;
}
