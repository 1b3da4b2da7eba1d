namespace Warden.Core.Operations;

/// <summary>
/// The result of translating one embeddings body: the body to send on, or the refusal naming the field that cannot be
/// carried. <see cref="InputTokens"/> is the usage a response reported (null: not reported).
/// </summary>
/// <param name="Body">The translated JSON body; empty on failure.</param>
/// <param name="Error">Why the body could not be translated.</param>
/// <param name="Batch">For a request to Gemini: whether it goes to <c>:batchEmbedContents</c> (else <c>:embedContent</c>).</param>
/// <param name="InputTokens">For a response: the input tokens it reported, when it did.</param>
public sealed record EmbeddingsTranslation(ReadOnlyMemory<byte> Body, Dialects.RequestParseError? Error, bool Batch = false, long? InputTokens = null)
{
    public bool Succeeded => Error is null;

    internal static EmbeddingsTranslation Fail(string message, string? param) => new(ReadOnlyMemory<byte>.Empty, new Dialects.RequestParseError(message, param));
}
