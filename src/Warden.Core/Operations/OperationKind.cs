namespace Warden.Core.Operations;

/// <summary>The operations besides chat a relay user calls (issue 22), each with its own request body.</summary>
public enum OperationKind
{
    /// <summary>OpenAI POST /v1/embeddings.</summary>
    Embeddings,

    /// <summary>OpenAI POST /v1/images/generations (JSON; edits are multipart, see <see cref="MultipartScanner"/>).</summary>
    ImageGeneration,

    /// <summary>OpenAI POST /v1/audio/speech.</summary>
    Speech,

    /// <summary>OpenAI POST /v1/moderations.</summary>
    Moderations,

    /// <summary>OpenAI POST /v1/completions (legacy).</summary>
    Completions,

    /// <summary>POST /v1/rerank in the Cohere/Jina shape.</summary>
    Rerank,

    /// <summary>Gemini POST /v1beta/models/{model}:embedContent (the model is in the URL).</summary>
    GeminiEmbedContent,

    /// <summary>Gemini POST /v1beta/models/{model}:batchEmbedContents.</summary>
    GeminiBatchEmbedContents,
}
