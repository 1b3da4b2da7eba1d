namespace Warden.Core.Canonical;

public static partial class TranslationRules
{
    // The Responses dialect's fields that may be left out when translating to another dialect, keyed "prefix.field",
    // each with the reason leaving it out changes nothing the client relies on. Built once, by TranslationRules.
    private static partial IReadOnlyDictionary<string, string> ResponsesLeftOut => new Dictionary<string, string>(StringComparer.Ordinal)
    {
    };
}
