using System.CommandLine;
using System.Security.Cryptography;
using Warden.Server.Cli;

// SIGTERM and Ctrl+C are left to the host's own lifetime, which stops accepting, lets in-flight streams finish
// and drains the usage queue; System.CommandLine's handler would cut that short after two seconds.
var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
// `warden` alone runs the server, so the quickstart is one plain `dotnet run`.
string[] effective = args.Length == 0 ? ["serve"] : args;
try
{
    return await WardenCli.Build().Parse(effective).InvokeAsync(configuration);
}
catch (Exception ex) when (ex is CryptographicException or InvalidDataException or IOException)
{
    // Expected operator errors (a wrong master key, an unreadable data folder): a clear line, no stack trace.
    await Console.Error.WriteLineAsync("warden: " + ex.Message);
    return 1;
}
