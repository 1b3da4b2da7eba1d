namespace Warden.Server.Simulator;

/// <summary>
/// What the model "said": text or tool calls, optional reasoning, and the usage that goes with it.
/// Content is null when the answer is tool calls, as OpenAI sends it; ReasoningContent is only set
/// for sim-reasoner (DeepSeek-style reasoning_content).
/// </summary>
internal sealed record SimulatorAnswer(
    string? Content,
    string? ReasoningContent,
    IReadOnlyList<SimulatorToolCall> ToolCalls,
    string FinishReason,
    SimulatorUsage Usage);
