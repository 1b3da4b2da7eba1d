using System.Globalization;

namespace Warden.Server.Console;

/// <summary>How the console writes numbers, money and times: the same in both languages (ISO times, UTC).</summary>
internal static class ConsoleFormat
{
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";

    public static string Number(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "–";

    public static string Ms(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) + " ms" : "–";

    public static string Percent(double value) => (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>Integer micro-units as a decimal amount with the currency, e.g. 1.250000 USD.</summary>
    public static string Money(long micros, string currency) =>
        (micros / 1_000_000m).ToString("0.000000", CultureInfo.InvariantCulture) + " " + currency;

    public static string Money(IReadOnlyDictionary<string, long> spend) =>
        spend.Count == 0 ? "–" : string.Join(", ", spend.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Money(p.Value, p.Key)));
}
