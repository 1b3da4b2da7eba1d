using System.Text.Json;

namespace Warden.Core.Json;

/// <summary>Forward-only reads used by the protocol inspectors. Each starts on a property name and ends on the value's last token.</summary>
internal static class Utf8JsonReaderExtensions
{
    public static long? ReadOptionalInt64(ref this Utf8JsonReader reader)
    {
        reader.Read();
        long? value = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long n) ? n : null;
        reader.Skip();
        return value;
    }

    public static string? ReadOptionalString(ref this Utf8JsonReader reader)
    {
        reader.Read();
        string? value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        reader.Skip();
        return value;
    }

    public static void SkipPropertyValue(ref this Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }
}
