namespace Warden.Server.Simulator;

/// <summary>
/// The sampling settings a request carries in its dialect (OpenAI and Anthropic <c>temperature</c>, OpenAI Chat
/// <c>seed</c>, Gemini <c>generationConfig.temperature</c> and <c>generationConfig.seed</c>). Only numbers are read:
/// the simulator is an oracle for answers, not a validator of every provider's ranges.
/// </summary>
internal readonly record struct SimulatorSampling(double? Temperature, long? Seed)
{
    /// <summary>Freshly sampled text for every request: a temperature above 0 and no seed (issue 21's sampling rule).</summary>
    public bool IsSampled => Temperature > 0 && Seed is null;
}
