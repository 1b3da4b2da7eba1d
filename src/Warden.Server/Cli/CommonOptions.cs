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

    /// <summary>
    /// The shared PostgreSQL database (issue 24), on every command: a connection string, else WARDEN_DATABASE, else the
    /// SQLite file in the data folder. The master key file stays in the data folder (or comes from WARDEN_MASTER_KEY).
    /// </summary>
    public static readonly Option<string?> Database = new("--database")
    {
        Description = "A PostgreSQL connection string (\"Host=...;Database=...;Username=...\") to use instead of the data folder's SQLite file; default: WARDEN_DATABASE.",
        Recursive = true,
    };

    public static DataFolder OpenData(ParseResult parse, Option<string> data) =>
        DataFolder.Open(
            parse.GetValue(data)!,
            Environment.GetEnvironmentVariable(MasterKeyRing.EnvironmentVariable),
            TimeProvider.System,
            Storage.WardenDatabase.ChosenConnectionString(parse.GetValue(Database)));

    public static TextWriter Out(ParseResult parse) => parse.InvocationConfiguration.Output;

    public static TextWriter Error(ParseResult parse) => parse.InvocationConfiguration.Error;

    public static IReadOnlyList<string> SplitList(string? value) =>
        value is null ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
