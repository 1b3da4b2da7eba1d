namespace Warden.Server.Billing;

/// <summary>What an operation priced per unit is counted in (issue 22); token-priced operations use price_versions.</summary>
internal enum PriceUnit
{
    /// <summary>One generated or edited image, by size and quality.</summary>
    Image,

    /// <summary>One started second of audio in (transcription, translation).</summary>
    AudioSecond,

    /// <summary>One character of speech input (a Unicode scalar value).</summary>
    Character,

    /// <summary>One Cohere search unit: a rerank query with up to 100 documents.</summary>
    SearchUnit,
}
