namespace Warden.Core.Dialects;

/// <summary>
/// What a client asks for, the second axis beside the dialect: <see cref="OperationTable"/> says, per operation and
/// dialect, whether Warden relays it untouched, translates it, or refuses it.
/// </summary>
public enum ApiOperation
{
    /// <summary>Generate an answer: chat completions, responses, messages, generateContent.</summary>
    Chat,

    /// <summary>Count a request's input tokens.</summary>
    CountTokens,

    Embeddings,
    ImagesGenerations,
    ImagesEdits,
    AudioTranscriptions,
    AudioTranslations,
    AudioSpeech,
    Moderations,

    /// <summary>Legacy text completions.</summary>
    Completions,
    Rerank,
    ModelsList,
    ModelsRetrieve,
}
