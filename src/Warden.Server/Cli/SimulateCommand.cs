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

        var command = new Command("simulate", "Run the simulator upstream: OpenAI Chat, OpenAI Responses, Anthropic Messages and Gemini, with deterministic answers and injectable faults.")
        {
            port, apiKeyEnv, chunkDelay, chunkChars,
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

            await using var simulator = await SimulatorHost.StartAsync(new SimulatorOptions
            {
                Port = parse.GetValue(port),
                ApiKey = apiKey,
                ChunkDelayMs = parse.GetValue(chunkDelay),
                ChunkChars = parse.GetValue(chunkChars),
            }, cancellationToken);
            var output = CommonOptions.Out(parse);
            await output.WriteLineAsync($"Simulator is listening on {simulator.BaseUrl}");
            await output.WriteLineAsync($"  Chat Completions, Responses, Anthropic Messages: {simulator.BaseUrl} (chat/completions, responses, messages)");
            await output.WriteLineAsync($"  Gemini: {simulator.GeminiBaseUrl} (models/{{model}}:generateContent)");
            await output.WriteLineAsync($"Models: {string.Join(", ", SimulatorModels.Names)}");
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
}
