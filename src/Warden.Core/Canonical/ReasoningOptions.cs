namespace Warden.Core.Canonical;

/// <summary>
/// What the client asked of the model's reasoning. Each dialect says it differently: Anthropic's
/// <c>thinking</c> (enabled with a budget, adaptive, disabled) and <c>output_config.effort</c>, OpenAI's
/// <c>reasoning_effort</c> / <c>reasoning.effort</c> and <c>reasoning.summary</c>, Gemini's
/// <c>thinkingConfig</c> (thinkingBudget, thinkingLevel, includeThoughts).
/// </summary>
/// <param name="Enabled">True when reasoning was asked for, false when explicitly disabled, null when not said.</param>
/// <param name="BudgetTokens">A token budget, when the client gave one.</param>
/// <param name="Effort">An effort level in lower case (minimal, low, medium, high, xhigh, max), when the client gave one.</param>
/// <param name="Adaptive">Anthropic's adaptive thinking: the model decides how much to think.</param>
/// <param name="IncludeThoughts">Whether reasoning text should be returned (Gemini includeThoughts, a Responses summary request).</param>
/// <param name="Summary">The Responses reasoning summary mode (auto, concise, detailed), when given.</param>
public sealed record ReasoningOptions(bool? Enabled, long? BudgetTokens, string? Effort, bool Adaptive, bool? IncludeThoughts, string? Summary);
