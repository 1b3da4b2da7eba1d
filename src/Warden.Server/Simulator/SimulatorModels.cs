namespace Warden.Server.Simulator;

internal static class SimulatorModels
{
    public const string Small = "sim-small";
    public const string Large = "sim-large";
    public const string Reasoner = "sim-reasoner";

    /// <summary>The context window every simulated model advertises in the model lists (issue 21's audit reads it).</summary>
    public const int ContextWindow = 32768;

    /// <summary>The output limit every simulated model advertises; no answer is longer.</summary>
    public const int MaxOutputTokens = 8192;

    public static IReadOnlyList<string> Names { get; } = [Small, Large, Reasoner];

    /// <summary>Every model the simulator answers for: the chat models, then those of the other operations (issue 22).</summary>
    public static IReadOnlyList<string> Served { get; } = [.. Names, .. Operations.SimulatorOperationModels.Names];

    public static bool IsKnown(string model) =>
        string.Equals(model, Small, StringComparison.Ordinal)
        || string.Equals(model, Large, StringComparison.Ordinal)
        || string.Equals(model, Reasoner, StringComparison.Ordinal);

    public static bool Reasons(string model) => string.Equals(model, Reasoner, StringComparison.Ordinal);
}
