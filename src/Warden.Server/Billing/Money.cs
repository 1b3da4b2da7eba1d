using System.Globalization;

namespace Warden.Server.Billing;

/// <summary>
/// Money as integer micro-units (1 currency unit = 1_000_000 micros): exact parsing of decimal text such as
/// "12.50" and formatting back, so no amount ever passes through a floating-point number.
/// </summary>
internal static class Money
{
    public const long MicrosPerUnit = 1_000_000;

    /// <summary>
    /// The largest single amount an operator can enter (a top-up, an adjustment, a code's value, a budget limit, a
    /// price per million tokens): 10^15 micros = 10^9 currency units. Far above any real payment, far below where
    /// sums could overflow a <c>long</c> (docs/billing.md, "Limits on amounts").
    /// </summary>
    public const long MaxAmountMicros = 1_000_000_000_000_000;

    /// <summary>
    /// The largest balance, positive or negative (system accounts run negative), any account may reach: 10^18 micros.
    /// Every movement is refused before it would take an account past it, and two such values add up to well under
    /// <see cref="long.MaxValue"/> (about 9.2 × 10^18), so no balance arithmetic can overflow.
    /// </summary>
    public const long MaxBalanceMicros = 1_000_000_000_000_000_000;

    /// <summary>The largest tenant price multiplier: 1000 × list price.</summary>
    public const long MaxMultiplierPpm = 1_000_000_000;

    /// <summary>A clear problem when an amount entered by an operator lies outside ±<see cref="MaxAmountMicros"/>; null when it is in range.</summary>
    public static string? AmountProblem(long micros, string what) =>
        micros is > MaxAmountMicros or < -MaxAmountMicros
            ? $"{what} is out of range: at most {Format(MaxAmountMicros)} units ({MaxAmountMicros} micros) in one amount."
            : null;

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
        // The whole part fits on its own but the fraction can still carry it past long.MaxValue
        // ("9223372036854.999999" wrapped negative): refuse instead of wrapping.
        if (units * MicrosPerUnit > long.MaxValue - part)
        {
            return false;
        }

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
