namespace Warden.Server.Simulator;

/// <summary>
/// Accumulates what the answer needs from a conversation while a parser walks it: sizes only, plus the
/// text of the last user turn (the seed) and the code-word facts the messages state. Role "tool" marks a turn that
/// returns tool results; roles "system" and "developer" are the system prompt.
/// </summary>
internal sealed class SimulatorMessageTally
{
    public const string ToolRole = "tool";

    public int Count { get; private set; }

    public int PromptChars { get; private set; }

    public int LastChars { get; private set; }

    public string LastRole { get; private set; } = "";

    public string LastUserText { get; private set; } = "";

    /// <summary>Messages outside the system prompt so far.</summary>
    public int Turns { get; private set; }

    public List<SimulatorFact> Facts { get; } = [];

    /// <summary>
    /// Adds one message; <paramref name="userText"/> is non-null only for a user turn that carries text;
    /// <paramref name="text"/> is the message's text when it is not a user turn's (searched for facts, never kept).
    /// </summary>
    public void Add(string role, int chars, string? userText, string? text = null)
    {
        var system = role is "system" or "developer";
        if ((userText ?? text) is { } read)
        {
            SimulatorTasks.FindFacts(read, system ? -1 : Turns, Facts);
        }

        if (!system)
        {
            Turns++;
        }

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
