using System.CommandLine;
using Warden.Server.Hosting;
using Warden.Server.Secrets;

namespace Warden.Server.Cli;

/// <summary>Options every command that touches the data folder shares.</summary>
internal static class CommonOptions
{
    public static Option<string> Data() => new("--data")
    {
        Description = "The data folder (database and master key file).",
        DefaultValueFactory = _ => "./data",
    };

    public static DataFolder OpenData(ParseResult parse, Option<string> data) =>
        DataFolder.Open(parse.GetValue(data)!, Environment.GetEnvironmentVariable(MasterKeyRing.EnvironmentVariable), TimeProvider.System);

    public static TextWriter Out(ParseResult parse) => parse.InvocationConfiguration.Output;

    public static TextWriter Error(ParseResult parse) => parse.InvocationConfiguration.Error;

    public static IReadOnlyList<string> SplitList(string? value) =>
        value is null ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
