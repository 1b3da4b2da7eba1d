using System.Text.Json;

namespace Warden.Server.Simulator;

internal sealed record SimulatorToolCall(string Id, string Name, string Arguments)
{
    /// <summary>
    /// The arguments as a JSON value, for wires that embed them as JSON (Anthropic's input, Gemini's args): the arguments
    /// themselves, or, when they are not JSON (inject-tool-badargs), a JSON string holding them, so the body stays
    /// parseable while the arguments are still not the object the protocol requires.
    /// </summary>
    public string EmbeddedArguments()
    {
        try
        {
            using var document = JsonDocument.Parse(Arguments);
            return Arguments;
        }
        catch (JsonException)
        {
            return "\"" + JsonEncodedText.Encode(Arguments) + "\"";
        }
    }
}
