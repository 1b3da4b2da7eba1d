namespace Warden.Server.Simulator.Operations;

/// <summary>
/// The simulated models that serve operations other than chat (issue 22), each with the one operation it serves. Legacy
/// completions are served by the chat models, as gpt-3.5-turbo-instruct's successors are chat models too.
/// </summary>
internal static class SimulatorOperationModels
{
    public const string Embed = "sim-embed";
    public const string Rerank = "sim-rerank";
    public const string Image = "sim-image";
    public const string Whisper = "sim-whisper";
    public const string Speech = "sim-tts";
    public const string Moderation = "sim-moderation";

    /// <summary>Dimensions of every sim-embed vector before a client asks for fewer.</summary>
    public const int EmbeddingDimensions = 256;

    /// <summary>Model name to the operation it serves, in the order the model lists show them.</summary>
    public static IReadOnlyList<(string Model, string Operation)> All { get; } =
    [
        (Embed, "embeddings"),
        (Rerank, "rerank"),
        (Image, "images"),
        (Whisper, "audio.transcriptions"),
        (Speech, "audio.speech"),
        (Moderation, "moderations"),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(entry => entry.Model)];

    /// <summary>The operation a model serves, or null when it is not an operation model.</summary>
    public static string? OperationOf(string model)
    {
        foreach (var (name, operation) in All)
        {
            if (string.Equals(name, model, StringComparison.Ordinal))
            {
                return operation;
            }
        }

        return null;
    }
}
