using System.Globalization;

namespace Warden.Server.Billing;

/// <summary>
/// Money as integer micro-units (1 currency unit = 1_000_000 micros): exact parsing of decimal text such as
/// "12.50" and formatting back, so no amount ever passes through a floating-point number.
/// </summary>
internal static class Money
{
    public const long MicrosPerUnit = 1_000_000;

    /// <summary>Parses "12", "12.5" or "0.000001" (at most six decimals) into micros; false for anything else.</summary>
    public static bool TryParse(string? text, out long micros)
    {
        micros = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string trimmed = text.Trim();
        bool negative = trimmed.StartsWith('-');
        if (negative)
        {
            trimmed = trimmed[1..];
        }

        int dot = trimmed.IndexOf('.', StringComparison.Ordinal);
        string whole = dot < 0 ? trimmed : trimmed[..dot];
        string fraction = dot < 0 ? "" : trimmed[(dot + 1)..];
        if (whole.Length == 0 || fraction.Length > 6 || (dot >= 0 && fraction.Length == 0)
            || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit))
        {
            return false;
        }

        if (!long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out long units)
            || units > long.MaxValue / MicrosPerUnit)
        {
            return false;
        }

        long part = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(6, '0'), NumberStyles.None, CultureInfo.InvariantCulture);
        micros = (units * MicrosPerUnit) + part;
        if (negative)
        {
            micros = -micros;
        }

        return true;
    }

    /// <summary>Formats micros as "12.500000".</summary>
    public static string Format(long micros)
    {
        string sign = micros < 0 ? "-" : "";
        ulong magnitude = micros < 0 ? (ulong)(-(micros + 1)) + 1 : (ulong)micros;
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{magnitude / MicrosPerUnit}.{magnitude % MicrosPerUnit:D6}");
    }

    /// <summary>ceil(value × numerator / denominator) for non-negative operands, exact; throws if it does not fit a long.</summary>
    public static long MultiplyDivideCeiling(long value, long numerator, long denominator)
    {
        Int128 product = (Int128)value * numerator;
        Int128 quotient = (product + denominator - 1) / denominator;
        return checked((long)quotient);
    }
}
