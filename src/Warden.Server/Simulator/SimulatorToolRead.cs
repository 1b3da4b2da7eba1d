using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// The dialect-neutral part of reading tool declarations and the tool choice: the top-level <c>tools</c>
/// array (absent or null means none; anything but an array is refused), its compact size for prompt
/// counting, the top-level <c>tool_choice</c> (absent or null means auto), the plain modes, and the check
/// that a chosen function is among the declared tools.
/// </summary>
internal static class SimulatorToolRead
{
    /// <summary>Reads one entry of the tools array into <paramref name="list"/>; <paramref name="index"/> is its position.</summary>
    public delegate bool EntryReader(JsonElement tool, int index, List<SimulatorTool> list, [NotNullWhen(false)] out SimulatorError? error);

    /// <summary>Walks the top-level tools array with <paramref name="readEntry"/>; <paramref name="jsonBytes"/> is its compact UTF-8 size.</summary>
    public static bool TryReadArray(
        JsonElement root,
        EntryReader readEntry,
        out IReadOnlyList<SimulatorTool> tools,
        out int jsonBytes,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        ArgumentNullException.ThrowIfNull(readEntry);
        tools = [];
        jsonBytes = 0;
        error = null;
        if (!SimulatorJsonRead.TryGetNonNull(root, "tools", out var array))
        {
            return true;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            error = SimulatorError.InvalidType("tools", "an array");
            return false;
        }

        var list = new List<SimulatorTool>();
        var index = 0;
        foreach (var tool in array.EnumerateArray())
        {
            if (!readEntry(tool, index, list, out error))
            {
                return false;
            }

            index++;
        }

        tools = list;
        jsonBytes = SimulatorJsonRead.CompactLength(array);
        return true;
    }

    /// <summary>Reads a present, non-null tool choice <paramref name="element"/> in one dialect's shape.</summary>
    public delegate bool ChoiceReader(
        JsonElement element,
        IReadOnlyList<SimulatorTool> tools,
        out SimulatorToolChoice choice,
        out string? name,
        [NotNullWhen(false)] out SimulatorError? error);

    /// <summary>Reads the top-level tool_choice with <paramref name="readChoice"/>; absent or null is auto.</summary>
    public static bool TryReadChoice(
        JsonElement root,
        IReadOnlyList<SimulatorTool> tools,
        ChoiceReader readChoice,
        out SimulatorToolChoice choice,
        out string? name,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        ArgumentNullException.ThrowIfNull(readChoice);
        return SimulatorJsonRead.TryGetNonNull(root, "tool_choice", out var element)
            ? readChoice(element, tools, out choice, out name, out error)
            : Choose(SimulatorToolChoice.Auto, out choice, out name, out error);
    }

    /// <summary>The plain modes "auto", "none" and the dialect's word for required (<paramref name="requiredWord"/>); null for anything else.</summary>
    public static SimulatorToolChoice? PlainMode(string? value, string requiredWord) =>
        value == "auto" ? SimulatorToolChoice.Auto
        : value == "none" ? SimulatorToolChoice.None
        : value == requiredWord ? SimulatorToolChoice.Required
        : null;

    /// <summary>A choice that names no function.</summary>
    public static bool Choose(SimulatorToolChoice mode, out SimulatorToolChoice choice, out string? name, [NotNullWhen(false)] out SimulatorError? error)
    {
        choice = mode;
        name = null;
        error = null;
        return true;
    }

    /// <summary>An invalid tool choice.</summary>
    public static bool Refuse(string param, string message, out SimulatorToolChoice choice, out string? name, [NotNullWhen(false)] out SimulatorError? error)
    {
        choice = SimulatorToolChoice.Auto;
        name = null;
        error = SimulatorError.InvalidValue(param, message);
        return false;
    }

    /// <summary>
    /// Chooses the function <paramref name="chosen"/> when it is declared; otherwise fails with
    /// <paramref name="notDeclaredMessage"/> on <paramref name="param"/>.
    /// </summary>
    public static bool TryChooseDeclared(
        IReadOnlyList<SimulatorTool> tools,
        string chosen,
        string param,
        string notDeclaredMessage,
        out SimulatorToolChoice choice,
        out string? name,
        [NotNullWhen(false)] out SimulatorError? error)
    {
        if (!tools.Any(tool => string.Equals(tool.Name, chosen, StringComparison.Ordinal)))
        {
            return Refuse(param, notDeclaredMessage, out choice, out name, out error);
        }

        choice = SimulatorToolChoice.Named;
        name = chosen;
        error = null;
        return true;
    }
}
