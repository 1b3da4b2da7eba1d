namespace Warden.Server.Simulator;

/// <summary>
/// An opaque reasoning string a client sent back in its history (Anthropic thinking signature,
/// Responses encrypted_content, Gemini thoughtSignature); Text is the echoed thinking text where the
/// dialect sends it alongside (Anthropic only).
/// </summary>
internal sealed record SimulatorEcho(SimulatorDialect Dialect, string Token, string? Text)
{
    public bool IsValid() => Dialect switch
    {
        SimulatorDialect.Anthropic => Text is not null && SimulatorReasoningSeal.VerifySignature(Dialect, Text, Token),
        SimulatorDialect.Gemini => string.Equals(Token, SimulatorReasoningSeal.GeminiSkipValidator, StringComparison.Ordinal)
            || SimulatorReasoningSeal.VerifySeal(Dialect, Token),
        _ => SimulatorReasoningSeal.VerifySeal(Dialect, Token),
    };
}
