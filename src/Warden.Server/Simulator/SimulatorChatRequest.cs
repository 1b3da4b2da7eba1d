using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>
/// The parts of a request the simulator acts on, in every dialect (each dialect's parser builds it with
/// <see cref="FromParts"/>). Only sizes are kept for the prompt as a whole; the text of the last user
/// message is kept because it seeds the answer, and the code-word facts because a model recalls them.
/// </summary>
internal sealed class SimulatorChatRequest
{
    internal SimulatorChatRequest()
    {
    }

    /// <summary>The wire protocol the request came in.</summary>
    public SimulatorDialect Dialect { get; internal init; } = SimulatorDialect.OpenAIChat;

    /// <summary>Whether the answer carries reasoning (sim-reasoner, or thinking/reasoning asked for where the dialect has it).</summary>
    public bool Reasoning { get; internal init; }

    /// <summary>Whether the reasoning text is shown to the client (Gemini only shows thoughts with includeThoughts).</summary>
    public bool ShowReasoning { get; internal init; } = true;

    public SimulatorJsonMode JsonMode { get; internal init; }

    /// <summary>A detached clone of the output schema when <see cref="JsonMode"/> is Schema.</summary>
    public JsonElement? JsonSchema { get; internal init; }

    /// <summary>Opaque reasoning strings echoed in the history, to verify before answering.</summary>
    public IReadOnlyList<SimulatorEcho> Echoes { get; internal init; } = [];

    /// <summary>The model name with any "~fault" suffix removed.</summary>
    public string Model { get; internal init; } = "";

    public IReadOnlyList<string> ModelSuffixFaults { get; internal init; } = [];

    public bool Stream { get; internal init; }

    public bool IncludeUsage { get; internal init; }

    /// <summary>max_completion_tokens, else max_tokens, else null.</summary>
    public int? MaxTokens { get; internal init; }

    public int MessageCount { get; internal init; }

    /// <summary>Characters of text across all messages (content strings, text parts, tool call names and arguments).</summary>
    public int PromptChars { get; internal init; }

    public int LastMessageChars { get; internal init; }

    public string LastRole { get; internal init; } = "";

    /// <summary>Text of the last message with role "user"; empty when there is none.</summary>
    public string LastUserText { get; internal init; } = "";

    /// <summary>Temperature and seed: whether the answer is sampled or deterministic.</summary>
    public SimulatorSampling Sampling { get; internal init; }

    /// <summary>Messages outside the system prompt (what truncate-context=N counts).</summary>
    public int Turns { get; internal init; }

    /// <summary>The code-word facts the messages state (<see cref="SimulatorTasks"/>).</summary>
    public IReadOnlyList<SimulatorFact> Facts { get; internal init; } = [];

    public IReadOnlyList<SimulatorTool> Tools { get; internal init; } = [];

    /// <summary>UTF-8 length of the compact JSON of the tools array (all tool types), for prompt token counting.</summary>
    public int ToolsJsonBytes { get; internal init; }

    public SimulatorToolChoice ToolChoice { get; internal init; }

    public string? ToolChoiceName { get; internal init; }

    /// <summary>Every text of the request in <see cref="SimulatorEchoText"/>'s format; collected only when the echo fault is asked for.</summary>
    public string? EchoText { get; internal set; }

    /// <summary>Reads the model name early so the journal can record it even when the rest is invalid.</summary>
    public static string? PeekModel(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.TryGetProperty("model", out var model)
        && model.ValueKind == JsonValueKind.String
            ? model.GetString()!.Split('~')[0]
            : null;

    /// <summary>
    /// Builds the request from what a dialect's parser read: the model text (with any "~fault" suffixes),
    /// the conversation tally, the tools and tool choice, and the dialect's own settings.
    /// <paramref name="asksForReasoning"/> adds reasoning to what the model does anyway.
    /// </summary>
    internal static SimulatorChatRequest FromParts(
        SimulatorDialect dialect,
        string modelText,
        bool stream,
        bool includeUsage,
        int? maxTokens,
        SimulatorMessageTally tally,
        SimulatorToolSetup toolSetup,
        bool asksForReasoning,
        (SimulatorJsonMode Mode, JsonElement? Schema) output,
        IReadOnlyList<SimulatorEcho> echoes,
        SimulatorSampling sampling,
        bool showReasoning = true)
    {
        ArgumentNullException.ThrowIfNull(tally);
        var (model, faults) = SimulatorJsonRead.SplitModel(modelText);
        return new SimulatorChatRequest
        {
            Dialect = dialect,
            Model = model,
            ModelSuffixFaults = faults,
            Stream = stream,
            IncludeUsage = includeUsage,
            MaxTokens = maxTokens,
            MessageCount = tally.Count,
            PromptChars = tally.PromptChars,
            LastMessageChars = tally.LastChars,
            LastRole = tally.LastRole,
            LastUserText = tally.LastUserText,
            Tools = toolSetup.Tools,
            ToolsJsonBytes = toolSetup.JsonBytes,
            ToolChoice = toolSetup.Choice,
            ToolChoiceName = toolSetup.ChoiceName,
            Reasoning = SimulatorModels.Reasons(model) || asksForReasoning,
            ShowReasoning = showReasoning,
            JsonMode = output.Mode,
            JsonSchema = output.Schema,
            Echoes = echoes,
            Sampling = sampling,
            Turns = tally.Turns,
            Facts = tally.Facts,
        };
    }
}
