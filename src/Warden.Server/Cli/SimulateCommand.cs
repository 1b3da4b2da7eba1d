using System.CommandLine;
using Warden.Server.Simulator;

namespace Warden.Server.Cli;

/// <summary><c>warden simulate</c>: runs the simulator upstream on its own (for benchmarks or as a channel target).</summary>
internal static class SimulateCommand
{
    public static Command Build()
    {
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one).", DefaultValueFactory = _ => 8081 };
        var apiKeyEnv = new Option<string?>("--api-key-env") { Description = "Name of an environment variable holding the key clients must send (none: no auth)." };
        var chunkDelay = new Option<int>("--chunk-delay-ms") { Description = "Pause between streamed chunks, in milliseconds." };
        var chunkChars = new Option<int>("--chunk-chars") { Description = "Characters of content per streamed chunk.", DefaultValueFactory = _ => 12 };
        var samplingSeed = new Option<long?>("--sampling-seed")
        {
            Description = "Seed for sampled answers (temperature above 0 and no seed in the request), for reproducible runs; default: fresh randomness.",
        };
        var dishonest = new Option<string[]>("--dishonest")
        {
            Description = "Behave like a dishonest relay, to test `warden audit` (repeatable): "
                + "substitute=MODEL (answer as another simulated model while naming the requested one), "
                + "inflate=FACTOR (multiply every reported token count), "
                + "truncate-context=N (read only the last N messages; the system prompt is kept), "
                + "cap-output=N (cut answers after N tokens and say \"stop\"), "
                + "replay (cache answers by conversation and replay them, temperature ignored), "
                + "inject-tool (add a tool call the request did not declare).",
            AllowMultipleArgumentsPerToken = false,
            Arity = ArgumentArity.ZeroOrMore,
            HelpName = "MODE",
        };

        var command = new Command(
            "simulate",
            "Run the simulator upstream: OpenAI Chat, OpenAI Responses, Anthropic Messages and Gemini, with deterministic answers at temperature 0, sampled answers above it, injectable faults and optional dishonest modes.")
        {
            port, apiKeyEnv, chunkDelay, chunkChars, samplingSeed, dishonest,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string? keyVariable = parse.GetValue(apiKeyEnv);
            string? apiKey = keyVariable is null ? null : Environment.GetEnvironmentVariable(keyVariable);
            if (keyVariable is not null && string.IsNullOrEmpty(apiKey))
            {
                await CommonOptions.Error(parse).WriteLineAsync($"The environment variable {keyVariable} is empty.");
                return 2;
            }

            if (!SimulatorDishonesty.TryParse(parse.GetValue(dishonest) ?? [], out var dishonesty, out var dishonestyError))
            {
                await CommonOptions.Error(parse).WriteLineAsync(dishonestyError);
                return 2;
            }

            await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions
            {
                Port = parse.GetValue(port),
                ApiKey = apiKey,
                ChunkDelayMs = parse.GetValue(chunkDelay),
                ChunkChars = parse.GetValue(chunkChars),
                SamplingSeed = parse.GetValue(samplingSeed),
                Dishonesty = dishonesty,
            }, cancellationToken);
            var output = CommonOptions.Out(parse);
            foreach (var line in DishonestyBanner(dishonesty))
            {
                await output.WriteLineAsync(line);
            }

            await output.WriteLineAsync($"Simulator is listening on {simulator.BaseUrl}");
            await output.WriteLineAsync($"  Chat Completions, Responses, Anthropic Messages: {simulator.BaseUrl} (chat/completions, responses, messages)");
            await output.WriteLineAsync($"  Gemini: {simulator.GeminiBaseUrl} (models/{{model}}:generateContent)");
            await output.WriteLineAsync($"Models: {string.Join(", ", SimulatorModels.Served)}");
            await output.FlushAsync(cancellationToken);
            try
            {
                await simulator.WaitForShutdownAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        });
        return command;
    }

    /// <summary>The warning printed first when any dishonest mode is on; nothing for an honest simulator.</summary>
    internal static IReadOnlyList<string> DishonestyBanner(SimulatorDishonesty dishonesty)
    {
        ArgumentNullException.ThrowIfNull(dishonesty);
        return dishonesty.IsHonest
            ? []
            :
            [
                "!!! WARNING: THIS SIMULATOR IS DISHONEST: " + dishonesty.Description,
                "!!! It lies on purpose, to test `warden audit`. Never put it behind real traffic.",
            ];
    }
}
