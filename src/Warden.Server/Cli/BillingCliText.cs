using System.CommandLine;
using System.Globalization;
using Warden.Server.Billing;

namespace Warden.Server.Cli;

/// <summary>Shared parsing and formatting for the billing commands: money in currency units, integers, errors.</summary>
internal static class BillingCliText
{
    public static Option<string> Amount(string name, string description, bool required = true) =>
        new(name) { Description = description + " In currency units, up to six decimals (e.g. 25 or 0.35).", Required = required };

    /// <summary>The exit code of a usage error (an option's value the command cannot take), as System.CommandLine's own.</summary>
    public const int UsageError = 2;

    /// <summary>
    /// Reads a money option into micros; writes a clear error and returns null when it is not a valid amount or lies
    /// outside ±<see cref="Money.MaxAmountMicros"/> (the caller then exits with <see cref="UsageError"/>).
    /// </summary>
    public static long? Micros(ParseResult parse, Option<string> option)
    {
        string? text = parse.GetValue(option);
        if (text is null)
        {
            return null;
        }

        if (!Money.TryParse(text, out long micros))
        {
            CommonOptions.Error(parse).WriteLine(
                $"{option.Name}: '{text}' is not an amount (digits, optionally '.' and up to six decimals, at most {Money.Format(Money.MaxAmountMicros)}).");
            return null;
        }

        if (Money.AmountProblem(micros, option.Name) is { } problem)
        {
            CommonOptions.Error(parse).WriteLine(problem);
            return null;
        }

        return micros;
    }

    public static int Fail(ParseResult parse, string problem)
    {
        CommonOptions.Error(parse).WriteLine(problem);
        return 1;
    }

    public static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);
}
