namespace Warden.Server.Simulator;

/// <summary>
/// Accumulates what the answer needs from a conversation while a parser walks it: sizes only, plus the
/// text of the last user turn (the seed). Role "tool" marks a turn that returns tool results.
/// </summary>
internal sealed class SimulatorMessageTally
{
    public const string ToolRole = "tool";

    public int Count { get; private set; }

    public int PromptChars { get; private set; }

    public int LastChars { get; private set; }

    public string LastRole { get; private set; } = "";

    public string LastUserText { get; private set; } = "";

    /// <summary>Adds one message; <paramref name="userText"/> is non-null only for a user turn that carries text.</summary>
    public void Add(string role, int chars, string? userText)
    {
        Count++;
        PromptChars += chars;
        LastChars = chars;
        LastRole = role;
        if (userText is not null)
        {
            LastUserText = userText;
        }
    }

    /// <summary>Counts text that is part of the prompt but not a message of its own (e.g. Responses instructions).</summary>
    public void AddPromptChars(int chars) => PromptChars += chars;
}
