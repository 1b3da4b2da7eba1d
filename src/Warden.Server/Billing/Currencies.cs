namespace Warden.Server.Billing;

/// <summary>Currency codes as the operator names them: 1–12 ASCII letters or digits, kept upper case.</summary>
internal static class Currencies
{
    public const string Default = "USD";

    public static string Normalise(string currency) => currency.Trim().ToUpperInvariant();

    public static string? Problem(string? currency) =>
        currency is null || currency.Trim().Length is < 1 or > 12 || !currency.Trim().All(char.IsAsciiLetterOrDigit)
            ? "A currency is 1 to 12 ASCII letters or digits (e.g. USD, EUR, CREDITS)."
            : null;
}
