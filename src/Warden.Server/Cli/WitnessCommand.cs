using System.CommandLine;
using Warden.Core.Trust;
using Warden.Server.Witness;

namespace Warden.Server.Cli;

/// <summary>
/// <c>warden witness</c>: runs a C2SP tlog-witness that cosigns the checkpoints of the logs given with <c>--log</c>
/// (their vkeys, from /.well-known/warden/log.vkey) after checking each extends the last one it cosigned.
/// </summary>
internal static class WitnessCommand
{
    public static Command Build()
    {
        var data = new Option<string>("--data") { Description = "The witness's folder (its key and state).", Required = true };
        var name = new Option<string?>("--name") { Description = "The witness's key name, e.g. witness.example.com/w1 (needed at the first start)." };
        var logs = new Option<string[]>("--log") { Description = "A log to follow: its verifier key (vkey). Repeat for more logs.", AllowMultipleArgumentsPerToken = false };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one).", DefaultValueFactory = _ => 7380 };
        var address = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var command = new Command("witness", "Run a transparency-log witness (C2SP tlog-witness) for one or more Warden logs.") { data, name, logs, port, address };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CommonOptions.Out(parse);
            var error = CommonOptions.Error(parse);
            var followed = new List<NoteVerifier>();
            foreach (string vkey in parse.GetValue(logs) ?? [])
            {
                if (!NoteVerifier.TryParse(vkey, out NoteVerifier? key, out string? problem) || key!.Type != NoteVerifier.Ed25519Type)
                {
                    await error.WriteLineAsync($"--log {vkey}: {problem ?? "not a log's note key (type 0x01)"}");
                    return 2;
                }

                followed.Add(key);
            }

            if (followed.Count == 0)
            {
                await error.WriteLineAsync("usage: warden witness --data DIR [--name NAME] --log VKEY [--log VKEY …] [--port N] [--host ADDR]");
                return 2;
            }

            WitnessHost witness;
            try
            {
                witness = await WitnessHost.StartAsync(new WitnessOptions
                {
                    DataDirectory = parse.GetValue(data)!,
                    Name = parse.GetValue(name),
                    Logs = followed,
                    Port = parse.GetValue(port),
                    Host = parse.GetValue(address)!,
                }, cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or FormatException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync("warden witness: " + ex.Message);
                return 1;
            }

            await using (witness)
            {
                await output.WriteLineAsync($"Witness listening on {witness.Url} (submission and monitoring prefix)");
                await output.WriteLineAsync($"Witness key: {witness.Key.ToVkey()}");
                await output.WriteLineAsync("Following: " + string.Join(", ", followed.Select(l => l.Name)));
                await output.FlushAsync(cancellationToken);
                try
                {
                    await witness.WaitForShutdownAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C.
                }
            }

            return 0;
        });
        return command;
    }
}
